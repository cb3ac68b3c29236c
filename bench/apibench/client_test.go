package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/adit-project/adit/internal/sigv4"
)

// signingServer serves a real HTTP server on 127.0.0.1 that verifies
// every POST with sigv4's Verifier for key, answers 200 with the body it
// read, or 403 with the rejection, and counts the connections it accepted.
func signingServer(t *testing.T, key sigv4.Key, closeAfter bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	v, err := sigv4.New(sigv4.Config{Keys: sigv4.StaticKeys{key.AccessKeyID: key}, Region: region, Services: []string{service}})
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if closeAfter {
			w.Header().Set("Connection", "close")
		}
		if r.URL.Path == "/healthz" {
			io.WriteString(w, "ok")
			return
		}
		body, _ := io.ReadAll(r.Body)
		if _, err := v.Verify(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestClientSignsAndKeepsAlive sends signed calls on one connection: the
// server's SigV4 verifier accepts each, the bodies come back whole, and a
// wrong secret is refused (403), not mistaken for success.
func TestClientSignsAndKeepsAlive(t *testing.T) {
	key := sigv4.Key{AccessKeyID: "AKIAAPIBENCHTEST0001", SecretAccessKey: "apibench-test-secret"}
	srv, conns := signingServer(t, key, false)
	c, err := newClient(srv.URL, key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for i, body := range []string{`{"tunnelId":"a"}`, `{}`, `{"description":"x"}`} {
		got, status, err := c.call("DescribeTunnel", []byte(body))
		if err != nil || status != 200 || string(got) != body {
			t.Errorf("call %d = %q, %d, %v; want %q, 200, nil", i, got, status, err, body)
		}
	}
	if got, status, err := c.call("healthz", nil); err != nil || status != 200 || string(got) != "ok" {
		t.Errorf("healthz = %q, %d, %v; want ok, 200, nil", got, status, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("4 calls used %d connections, want 1 (keep-alive)", n)
	}
	bad, err := newClient(srv.URL, sigv4.Key{AccessKeyID: key.AccessKeyID, SecretAccessKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.close()
	if _, status, err := bad.call("DescribeTunnel", []byte(`{}`)); err != nil || status != http.StatusForbidden {
		t.Errorf("call with a wrong secret = %d, %v; want 403, nil", status, err)
	}
}

// TestClientReconnectsAfterClose follows a server that closes every
// connection after its response: each call succeeds on a new connection.
func TestClientReconnectsAfterClose(t *testing.T) {
	key := sigv4.Key{AccessKeyID: "AKIAAPIBENCHTEST0002", SecretAccessKey: "apibench-test-secret"}
	srv, conns := signingServer(t, key, true)
	c, err := newClient(srv.URL, key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for i := range 3 {
		if _, status, err := c.call("OpenTunnel", []byte(`{}`)); err != nil || status != 200 {
			t.Errorf("call %d = %d, %v; want 200, nil", i, status, err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("3 calls with Connection: close used %d connections, want 3", n)
	}
}

// TestNewClientRejectsBadEndpoints refuses what it cannot speak.
func TestNewClientRejectsBadEndpoints(t *testing.T) {
	for _, ep := range []string{"https://127.0.0.1:1", "127.0.0.1:1", "http://", "::"} {
		if _, err := newClient(ep, sigv4.Key{}); err == nil {
			t.Errorf("newClient(%q) = nil error, want one", ep)
		}
	}
}
