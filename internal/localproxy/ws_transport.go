package localproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/adit-project/adit/internal/tlsbatch"
)

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
