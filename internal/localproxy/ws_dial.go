package localproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/wsframe"
)

// connect opens the WebSocket to the relay: TCP (through the web proxy if
// configured), TLS for wss://, then the upgrade. Everything is bounded by
// HandshakeTimeout.
func (e *engine) connect(ctx context.Context) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.HandshakeTimeout)
	defer cancel()
	u := e.endpoint
	nc, err := e.dialTransport(ctx, u)
	if err != nil {
		return nil, err
	}
	wc, err := e.upgrade(ctx, nc, u)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return wc, nil
}

// upgrade runs the WebSocket opening handshake on nc: the request carries
// the tokens, the user agent and the one subprotocol of the
// configuration, and the service must choose that subprotocol.
func (e *engine) upgrade(ctx context.Context, nc net.Conn, u *url.URL) (*wsConn, error) {
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	// The scheme is http: TLS, if any, is already done.
	target := &url.URL{Scheme: "http", Host: u.Host, Path: strings.TrimSuffix(u.Path, "/") + "/tunnel",
		RawQuery: "local-proxy-mode=" + e.cfg.Mode.String()}
	req := (&http.Request{Method: http.MethodGet, URL: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: u.Host, Header: http.Header{
			"access-token": {e.cfg.AccessToken},
			"client-token": {e.cfg.ClientToken},
			"User-Agent":   {e.cfg.UserAgent},
		}}).WithContext(ctx)
	br := bufio.NewReaderSize(nc, 4<<10)
	resp, err := wsframe.Upgrade(nc, br, req, e.cfg.Subprotocol)
	if errors.Is(err, wsframe.ErrBadHandshake) {
		return nil, handshakeError(resp)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("websocket upgrade: %w", err)
	}
	sub := resp.Header.Get("Sec-WebSocket-Protocol")
	if sub != e.cfg.Subprotocol {
		return nil, fmt.Errorf("service answered subprotocol %q, want %q", sub, e.cfg.Subprotocol)
	}
	if !stop() {
		return nil, fmt.Errorf("websocket upgrade: %w", ctx.Err())
	}
	nc.SetDeadline(time.Time{})
	early, _ := br.Peek(br.Buffered())
	e.log.Debug("websocket connected", "channel_id", resp.Header.Get("channel-id"), "subprotocol", sub)
	return &wsConn{Conn: nc, subprotocol: sub, early: bytes.Clone(early)}, nil
}

// handshakeError builds a *HandshakeError from a non-101 response.
func handshakeError(resp *http.Response) *HandshakeError {
	he := &HandshakeError{StatusCode: resp.StatusCode, Status: resp.Status,
		Reason: resp.Header.Get("X-Status-Reason"), ChannelID: resp.Header.Get("channel-id")}
	if he.Reason == "" && resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		he.Reason = strings.TrimSpace(string(b))
	}
	return he
}
