package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
	"github.com/adit-project/adit/internal/wire"
)

// ioTimeout bounds every wait of these tests.
const ioTimeout = 15 * time.Second

var testKey = sigv4.Key{AccessKeyID: "AKIAHARDENTEST000001", SecretAccessKey: "hArDeNsEcReT/0123456789+abcdefghijklmnop"}

// split is a tunneld serving the API and the data plane on two listeners.
type split struct {
	api, data string // host:port
	logs      *logBuffer
}

// startSplit runs a tunneld with cfg (key, data dir and logger filled in)
// on two 127.0.0.1 listeners until the test ends.
func startSplit(t *testing.T, cfg server.Config) *split {
	t.Helper()
	return startSplitOn(t, cfg, listen(t), listen(t))
}

// startSplitPipes is startSplit on in-memory listeners, for a test in a
// synctest bubble (see pipes_test.go); the helpers here reach them.
func startSplitPipes(t *testing.T, cfg server.Config) *split {
	t.Helper()
	return startSplitOn(t, cfg, newPipeListener(t, "api"), newPipeListener(t, "data"))
}

// startSplitOn is startSplit on the listeners given.
func startSplitOn(t *testing.T, cfg server.Config, ln, dataLn net.Listener) *split {
	t.Helper()
	cfg.AdminAccessKeyID, cfg.AdminSecretAccessKey = testKey.AccessKeyID, testKey.SecretAccessKey
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
	}
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("new server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, dataLn) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30s")
		}
	})
	return &split{api: ln.Addr().String(), data: dataLn.Addr().String(), logs: logs}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// call sends a signed API request with client c to addr (host:port, for
// plain HTTP, or a URL) and decodes the answer.
func call(t *testing.T, c *http.Client, addr, op string, in any, out any) (int, string) {
	t.Helper()
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	return servertest.Call(t, c, addr, testKey, "us-east-1", op, in, out)
}

// testClient is an HTTP client that reaches pipe and TCP addresses
// (dialAny); its idle connections close when the test ends.
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{DialContext: dialAny}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: ioTimeout, Transport: tr}
}

// openResult is the part of OpenTunnel's answer these tests use.
type openResult struct {
	TunnelID               string `json:"tunnelId"`
	SourceAccessToken      string `json:"sourceAccessToken"`
	DestinationAccessToken string `json:"destinationAccessToken"`
}

// dialPeer upgrades to the data plane at addr as mode with token.
func dialPeer(t *testing.T, addr, mode, token string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol3}, HandshakeTimeout: ioTimeout, NetDialContext: dialAny}
	c, resp, err := d.Dial("ws://"+addr+"/tunnel?local-proxy-mode="+mode, http.Header{"Access-Token": {token}})
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

func readMsg(t *testing.T, c *websocket.Conn) wire.Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m wire.Message
	if len(b) < 2 {
		t.Fatalf("read: %d bytes", len(b))
	}
	if err := m.Unmarshal(b[2:]); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func sendMsg(t *testing.T, c *websocket.Conn, m wire.Message) {
	t.Helper()
	b, err := wire.AppendFrame(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// slowConn opens a TCP connection to addr and sends req (typically headers
// announcing a body that never comes).
func slowConn(t *testing.T, addr, req string) net.Conn {
	t.Helper()
	c, err := dialAny(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return c
}

// withheldBody is a request whose announced body never arrives.
const withheldBody = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n" +
	"X-Amz-Target: IoTSecuredTunneling.ListTunnels\r\nContent-Length: 1000\r\n\r\n{"

// waitClosed reads c until the server closes it, for at most limit, and
// returns what the server sent. It fails the test if c is still open.
func waitClosed(t *testing.T, c net.Conn, limit time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v (got %q)", limit, got)
	}
	return string(got)
}

// rawRequest sends req on a new connection to addr and returns the
// response, or an error if the connection was closed without one.
func rawRequest(addr, req string) (*http.Response, error) {
	c, err := dialAny(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, req); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// logBuffer keeps the server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
