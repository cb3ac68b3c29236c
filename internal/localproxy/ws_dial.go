package localproxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/tlsbatch"
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

// dialTransport returns a TCP connection to u's host, TLS-wrapped for wss.
func (e *engine) dialTransport(ctx context.Context, u *url.URL) (net.Conn, error) {
	port := u.Port()
	if port == "" {
		port = map[string]string{"ws": "80", "wss": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	var d net.Dialer
	var nc net.Conn
	var err error
	if p := e.cfg.WebProxy; p != nil {
		nc, err = dialViaProxy(ctx, &d, p, addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	if u.Scheme != "wss" {
		return nc, nil
	}
	tc, err := tlsHandshake(ctx, tlsbatch.New(nc), e.cfg.TLS, u.Hostname(), e.tlsSessions)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// tlsHandshake runs a client handshake with TLS 1.2 or later, resuming a
// session from sessions (if not nil and the configuration has no cache of
// its own) when the server allows it.
func tlsHandshake(ctx context.Context, nc net.Conn, base *tls.Config, host string, sessions tls.ClientSessionCache) (*tls.Conn, error) {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = sessions
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// dialViaProxy opens a tunnel to addr with HTTP CONNECT through proxy.
func dialViaProxy(ctx context.Context, d *net.Dialer, proxy *url.URL, addr string) (net.Conn, error) {
	port := proxy.Port()
	if port == "" {
		port = "3128"
	}
	nc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(proxy.Hostname(), port))
	if err != nil {
		return nil, fmt.Errorf("web proxy: %w", err)
	}
	if proxy.Scheme == "https" {
		tc, err := tlsHandshake(ctx, nc, nil, proxy.Hostname(), nil)
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("web proxy: %w", err)
		}
		nc = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if user := proxy.User; user != nil {
		pw, _ := user.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user.Username()+":"+pw)) + "\r\n"
	}
	br := bufio.NewReader(nc)
	resp, err := func() (*http.Response, error) {
		if _, err := io.WriteString(nc, req+"\r\n"); err != nil {
			return nil, err
		}
		return http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	}()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New("CONNECT answered " + resp.Status)
	}
	if err == nil && br.Buffered() > 0 {
		err = errors.New("CONNECT response followed by unexpected data")
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("web proxy: %w", err)
	}
	nc.SetDeadline(time.Time{})
	return nc, nil
}
