package cluster

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/relay"
)

// Bounds of a forwarded handshake.
const (
	dialTimeout      = 3 * time.Second
	handshakeTimeout = 10 * time.Second
	maxRefusalBody   = 4 << 10
	keepAlive        = 30 * time.Second
)

// Forward implements relay.Cluster: it replays r to the owner with a
// signed grant on a new stream of the link to the owner, passes the
// owner's answer to the client and, after a 101, copies bytes both ways
// until either side ends or ctx ends.
func (n *Node) Forward(ctx context.Context, w http.ResponseWriter, r *http.Request, h relay.Handoff) error {
	if len(n.cfg.Secret) == 0 {
		return fmt.Errorf("%w: no --cluster-secret to forward to %s", relay.ErrOwnerUnreachable, h.Owner)
	}
	up, err := n.openStream(ctx, h.Owner)
	if err != nil {
		n.forwards[forwardUnreachable].Add(1)
		return fmt.Errorf("%w: %v", relay.ErrOwnerUnreachable, err)
	}
	resp, br, err := n.handshake(up, r, h)
	if err != nil {
		up.Close()
		n.forwards[forwardUnreachable].Add(1)
		return fmt.Errorf("%w: %v", relay.ErrOwnerUnreachable, err)
	}
	if resp.StatusCode == http.StatusMisdirectedRequest {
		up.Close()
		return relay.ErrNotOwner
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		n.forwards[forwardRefused].Add(1)
		defer up.Close()
		passRefusal(w, resp)
		return nil
	}
	n.forwards[forwardAccepted].Add(1)
	client, cbr, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return fmt.Errorf("hijack: %w", err)
	}
	if err := writeHead(client, resp); err != nil {
		client.Close()
		up.Close()
		return nil
	}
	n.pipe(ctx, client, cbr.Reader, up, br)
	return nil
}

// handshake writes r, signed, to the owner and reads its response head.
func (n *Node) handshake(up net.Conn, r *http.Request, h relay.Handoff) (*http.Response, *bufio.Reader, error) {
	g := grant{TunnelID: h.Grant.TunnelID, Mode: h.Mode.String(), Services: h.Grant.Services,
		Client: r.RemoteAddr, Node: n.cfg.NodeID, Issued: n.cfg.Now().UnixMilli(), Token: hex.EncodeToString(h.Token[:])}
	if !h.Grant.ExpiresAt.IsZero() {
		g.ExpiresAt = h.Grant.ExpiresAt.UnixMilli()
	}
	value, sig := sign(n.cfg.Secret, g)
	hdr := r.Header.Clone()
	hdr.Set(headerGrant, value)
	hdr.Set(headerSignature, sig)
	up.SetDeadline(time.Now().Add(handshakeTimeout))
	bw := bufio.NewWriterSize(up, 4096)
	fmt.Fprintf(bw, "GET %s HTTP/1.1\r\nHost: %s\r\n", r.URL.RequestURI(), h.Owner)
	if err := hdr.Write(bw); err != nil {
		return nil, nil, err
	}
	bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(up, 4096)
	resp, err := http.ReadResponse(br, r)
	if err != nil {
		return nil, nil, err
	}
	up.SetDeadline(time.Time{})
	return resp, br, nil
}

// passRefusal answers the client with the owner's refusal.
func passRefusal(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		switch strings.ToLower(k) {
		case "content-length", "connection", "transfer-encoding":
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, maxRefusalBody))
}

// writeHead writes the owner's 101 response head to the client.
func writeHead(client net.Conn, resp *http.Response) error {
	bw := bufio.NewWriterSize(client, 1024)
	fmt.Fprintf(bw, "HTTP/1.1 %s\r\n", resp.Status)
	resp.Header.Write(bw)
	bw.WriteString("\r\n")
	client.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	defer client.SetWriteDeadline(time.Time{})
	return bw.Flush()
}
