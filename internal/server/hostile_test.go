package server_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/sigv4"
	"github.com/adit-project/adit/internal/wire"
)

// TestDataListenerWrongPath: a WebSocket upgrade to another path than
// /tunnel on the separate data-plane listener is refused like every other
// bad upgrade (D1): 400, a plain-text reason, X-Status-Reason.
func TestDataListenerWrongPath(t *testing.T) {
	s := startSplit(t, server.Config{})
	for _, path := range []string{"/wrong", "/", "/tunnel/x"} {
		resp, err := rawRequest(s.data, "GET "+path+"?local-proxy-mode=source HTTP/1.1\r\nHost: x\r\n"+
			"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: "+wire.Subprotocol3+"\r\n"+
			"access-token: AQGAAXi\r\n\r\n")
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		reason := resp.Header.Get("X-Status-Reason")
		if resp.StatusCode != http.StatusBadRequest || reason == "" || string(body) != reason ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q, X-Status-Reason %q, Content-Type %q; want 400 with the reason in both",
				path, resp.StatusCode, body, reason, resp.Header.Get("Content-Type"))
		}
	}
	resp, err := rawRequest(s.data, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz on the data listener: %v, %v; want 200", resp, err)
	}
}

// TestBodyTimeout: a request whose body is withheld or trickled is closed
// exactly BodyTimeout after it began, on both listeners, while a tunnel
// upgraded before outlives that request's timeouts. It runs in a synctest
// bubble on in-memory listeners: virtual time makes the timeouts exact
// and the test does not wait for them.
func TestBodyTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bodyTimeout = time.Second
		s := startSplitPipes(t, server.Config{BodyTimeout: bodyTimeout})
		// A tunnel upgraded now must outlive the read and write timeouts of
		// the request that opened it (1 s and 2 s).
		src, dst := connectedPair(t, s)
		upgraded := time.Now()
		for _, addr := range []string{s.api, s.data} {
			start := time.Now()
			withheld := slowConn(t, addr, withheldBody)
			waitClosed(t, withheld, 10*time.Second)
			if d := time.Since(start); d != bodyTimeout {
				t.Errorf("%s: withheld body closed after %v, want %v", addr, d, bodyTimeout)
			}

			start = time.Now()
			trickle := slowConn(t, addr, withheldBody)
			stop := make(chan struct{})
			done := make(chan int)
			go func() { // one byte every 100 ms: the whole body would take 100 s
				n := 0
				defer func() { done <- n }()
				for ; n < 999; n++ {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					if _, err := trickle.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
			waitClosed(t, trickle, 10*time.Second)
			if d := time.Since(start); d != bodyTimeout {
				t.Errorf("%s: trickled body closed after %v, want %v", addr, d, bodyTimeout)
			}
			close(stop)
			if n := <-done; n >= 999 {
				t.Errorf("%s: the whole trickled body was accepted", addr)
			}
		}
		time.Sleep(2500*time.Millisecond - time.Since(upgraded))
		relayBothWays(t, src, dst)
	})
}

// connectedPair opens a tunnel with service SSH and connects both peers
// through the data listener.
func connectedPair(t *testing.T, s *split) (src, dst *websocket.Conn) {
	t.Helper()
	var tun openResult
	c := testClient(t)
	if st, code := call(t, c, s.api, "OpenTunnel", map[string]any{"destinationConfig": map[string]any{"services": []string{"SSH"}}}, &tun); st != 200 {
		t.Fatalf("OpenTunnel = %d %s", st, code)
	}
	dst, _, err := dialPeer(t, s.data, "destination", tun.DestinationAccessToken)
	if err != nil {
		t.Fatalf("destination upgrade: %v", err)
	}
	readMsg(t, dst) // SERVICE_IDS
	src, _, err = dialPeer(t, s.data, "source", tun.SourceAccessToken)
	if err != nil {
		t.Fatalf("source upgrade: %v", err)
	}
	readMsg(t, src) // SERVICE_IDS
	return src, dst
}

// relayBothWays starts stream 1 from src and sends data back from dst.
func relayBothWays(t *testing.T, src, dst *websocket.Conn) {
	t.Helper()
	sendMsg(t, src, wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 1})
	if m := readMsg(t, dst); m.Type != wire.TypeStreamStart {
		t.Fatalf("destination got %+v, want STREAM_START", m)
	}
	sendMsg(t, dst, wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("still here")})
	if m := readMsg(t, src); m.Type != wire.TypeData || string(m.Payload) != "still here" {
		t.Fatalf("source got %+v, want DATA", m)
	}
}

// TestUnsignedTargetReplay: a DescribeTunnel signed without x-amz-target
// cannot be replayed as CloseTunnel.
func TestUnsignedTargetReplay(t *testing.T) {
	s := startSplit(t, server.Config{})
	c := &http.Client{Timeout: ioTimeout}
	var tun openResult
	if st, code := call(t, c, s.api, "OpenTunnel", map[string]any{}, &tun); st != 200 {
		t.Fatalf("OpenTunnel = %d %s", st, code)
	}
	body, _ := json.Marshal(map[string]string{"tunnelId": tun.TunnelID})
	r, _ := http.NewRequest(http.MethodPost, "http://"+s.api+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sigv4.Sign(r, body, testKey, "us-east-1", sigv4.DefaultService, time.Now()) // no target yet: not signed
	r.Header.Set("X-Amz-Target", "IoTSecuredTunneling.CloseTunnel")
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "IncompleteSignatureException") ||
		!strings.Contains(string(raw), "x-amz-target") {
		t.Errorf("replayed CloseTunnel = %d %s; want 400 IncompleteSignatureException naming x-amz-target", resp.StatusCode, raw)
	}
	var d struct {
		Tunnel struct {
			Status string `json:"status"`
		} `json:"tunnel"`
	}
	call(t, c, s.api, "DescribeTunnel", map[string]string{"tunnelId": tun.TunnelID}, &d)
	if d.Tunnel.Status != "OPEN" {
		t.Errorf("tunnel status %q after the replay, want OPEN", d.Tunnel.Status)
	}
}

// TestUnauthenticatedCap fills both listeners' caps with connections that
// withhold their bodies: new connections are refused, an authenticated
// API connection and an established tunnel keep working, a data-plane
// upgrade on the other listener succeeds, and once the body timeout has
// closed the slow connections new ones are served again.
func TestUnauthenticatedCap(t *testing.T) {
	// In a synctest bubble on in-memory listeners: the body timeout fires
	// exactly when due and the test does not wait for it, and the checks
	// while the caps are full cannot race it however slow the machine.
	synctest.Test(t, func(t *testing.T) {
		const limit = 4
		const bodyTimeout = 4 * time.Second
		s := startSplitPipes(t, server.Config{MaxUnauthConns: limit, BodyTimeout: bodyTimeout})
		tr := &http.Transport{DialContext: dialAny, MaxConnsPerHost: 1}
		t.Cleanup(tr.CloseIdleConnections)
		authed := &http.Client{Timeout: ioTimeout, Transport: tr}
		var tun openResult
		if st, code := call(t, authed, s.api, "OpenTunnel", map[string]any{"destinationConfig": map[string]any{"services": []string{"SSH"}}}, &tun); st != 200 {
			t.Fatalf("OpenTunnel = %d %s", st, code)
		}
		dst, _, err := dialPeer(t, s.data, "destination", tun.DestinationAccessToken)
		if err != nil {
			t.Fatalf("destination upgrade: %v", err)
		}
		readMsg(t, dst) // SERVICE_IDS

		// Fill the API listener's cap (and try one more).
		started := time.Now()
		var slow []net.Conn
		for range limit {
			slow = append(slow, slowConn(t, s.api, withheldBody))
		}
		if resp, err := rawRequest(s.api, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			t.Errorf("connection beyond the API cap was served: %d", resp.StatusCode)
		}
		if st, code := call(t, authed, s.api, "ListTunnels", map[string]any{}, nil); st != 200 {
			t.Errorf("authenticated ListTunnels with the cap full = %d %s, want 200", st, code)
		}
		src, _, err := dialPeer(t, s.data, "source", tun.SourceAccessToken)
		if err != nil {
			t.Fatalf("source upgrade on the data listener with the API cap full: %v", err)
		}
		readMsg(t, src) // SERVICE_IDS

		// Fill the data listener's cap too.
		for range limit {
			slow = append(slow, slowConn(t, s.data, withheldBody))
		}
		if _, resp, err := dialPeer(t, s.data, "source", tun.SourceAccessToken); err == nil || resp != nil {
			t.Errorf("upgrade beyond the data-plane cap: err %v, response %v; want the connection closed", err, resp)
		}
		if st, code := call(t, authed, s.api, "DescribeTunnel", map[string]string{"tunnelId": tun.TunnelID}, nil); st != 200 {
			t.Errorf("authenticated DescribeTunnel with both caps full = %d %s, want 200", st, code)
		}

		// The slow connections are closed by the body timeout, exactly; the
		// tunnel, upgraded before, outlives it and still relays, and a new
		// connection is served again.
		for _, c := range slow {
			waitClosed(t, c, bodyTimeout+10*time.Second)
		}
		if d := time.Since(started); d != bodyTimeout {
			t.Errorf("slow connections closed %v after they were opened, want the %v body timeout", d, bodyTimeout)
		}
		relayBothWays(t, src, dst)
		if !strings.Contains(s.logs.String(), "refusing new ones") {
			t.Errorf("no log line about the cap:\n%s", s.logs)
		}
		if st, code := call(t, testClient(t), s.api, "ListTunnels", map[string]any{}, nil); st != 200 {
			t.Errorf("ListTunnels on a new connection after the slow ones closed = %d %s, want 200", st, code)
		}
	})
}

// TestUnauthenticatedCapThenAWSCLI: once the connections that filled the
// cap have gone, the real AWS CLI (on new connections) gets through.
func TestUnauthenticatedCapThenAWSCLI(t *testing.T) {
	s := startSplit(t, server.Config{MaxUnauthConns: 2})
	slow := []net.Conn{slowConn(t, s.api, withheldBody), slowConn(t, s.api, withheldBody)}
	if resp, err := rawRequest(s.api, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
		t.Fatalf("connection beyond the API cap was served: %d", resp.StatusCode)
	}
	for _, c := range slow {
		c.Close()
	}
	// The server frees the slots when it sees the closes: wait, bounded.
	for i := 0; ; i++ {
		resp, err := rawRequest(s.api, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if i == 200 {
			t.Fatalf("GET /healthz after the slow connections closed: %v, %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	awsCLIListTunnels(t, s.api)
}

// awsCLIListTunnels runs the real AWS CLI v1 against addr (on a new
// connection) and expects success.
func awsCLIListTunnels(t *testing.T, addr string) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required in CI: %v", err)
		}
		t.Logf("aws CLI not installed; skipping its check")
		return
	}
	home := t.TempDir()
	cmd := exec.Command("aws", "iotsecuretunneling", "list-tunnels", "--endpoint-url", "http://"+addr, "--output", "json")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=" + testKey.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + testKey.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/none", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/none",
		"AWS_EC2_METADATA_DISABLED=true", "PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tunnelSummaries") {
		t.Errorf("aws list-tunnels after the slow connections closed: %v\n%s", err, out)
	}
}

// TestUnauthenticatedCapTLS: with TLS, connections are counted from the
// accept (before their handshake); beyond the cap the handshake fails,
// while an authenticated client and a wss upgrade on the data listener
// get through.
func TestUnauthenticatedCapTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startSplit(t, server.Config{DataDir: dir, TLSSelfSigned: true, MaxUnauthConns: 2})
	pem, err := os.ReadFile(filepath.Join(dir, "tls", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tlsConf := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	authed := &http.Client{Timeout: ioTimeout, Transport: &http.Transport{TLSClientConfig: tlsConf, MaxConnsPerHost: 1}}
	var tun openResult
	if st, code := call(t, authed, "https://"+s.api, "OpenTunnel", map[string]any{}, &tun); st != 200 {
		t.Fatalf("OpenTunnel = %d %s", st, code)
	}
	slowConn(t, s.api, "") // silent: no TLS handshake
	slowConn(t, s.api, "")
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", s.api, tlsConf)
	if err == nil {
		c.Close()
		t.Errorf("TLS handshake beyond the cap succeeded")
	}
	if st, code := call(t, authed, "https://"+s.api, "ListTunnels", map[string]any{}, nil); st != 200 {
		t.Errorf("authenticated ListTunnels with the cap full = %d %s, want 200", st, code)
	}
	d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol3}, HandshakeTimeout: ioTimeout, TLSClientConfig: tlsConf}
	ws, _, err := d.Dial("wss://"+s.data+"/tunnel?local-proxy-mode=destination", http.Header{"Access-Token": {tun.DestinationAccessToken}})
	if err != nil {
		t.Fatalf("wss upgrade on the data listener: %v", err)
	}
	ws.Close()
}
