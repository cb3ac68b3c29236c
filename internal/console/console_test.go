package console_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/console"
)

func newConsole(t *testing.T, dataPlane http.Handler) *httptest.Server {
	t.Helper()
	if dataPlane == nil {
		dataPlane = http.NotFoundHandler()
	}
	c, err := console.New(console.Config{DataPlane: dataPlane, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", c)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return srv
}

func TestNewNeedsDataPlane(t *testing.T) {
	if _, err := console.New(console.Config{}); err == nil {
		t.Fatal("New without DataPlane succeeded")
	}
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestStaticFiles(t *testing.T) {
	srv := newConsole(t, nil)
	resp, body := get(t, srv.URL+"/console/", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<script type="module" src="js/app.js">`) {
		t.Fatalf("index: %d %q", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	resp, gz := get(t, srv.URL+"/console/js/app.js", map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("app.js headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	_, raw := get(t, srv.URL+"/console/js/app.js", nil)
	if !bytes.Equal(plain, raw) || len(raw) == 0 {
		t.Error("gzip and plain bodies differ")
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, srv.URL+"/console/js/app.js", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/console/nope.js", nil); resp.StatusCode != 404 {
		t.Errorf("unknown file: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/console/../go.mod", nil); resp.StatusCode == 200 {
		t.Error("path escape served a file")
	}
	resp, body = get(t, srv.URL+"/console/config.json", nil)
	var cfg map[string]string
	if json.Unmarshal(body, &cfg) != nil || cfg["region"] != "eu-west-1" || cfg["service"] != "IoTSecuredTunneling" {
		t.Errorf("config.json = %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /console/: %v %v", resp.StatusCode, err)
	}
}

// TestPageWeight: the pages and their assets, compressed as served, stay
// under 500 KiB without xterm.js (issue budget).
func TestPageWeight(t *testing.T) {
	raw, sent := console.AssetSizes("vendor/")
	t.Logf("console assets without vendor/: %d bytes, %d bytes gzip", raw, sent)
	if sent == 0 || sent > 500<<10 {
		t.Fatalf("console assets weigh %d bytes compressed, budget 500 KiB", sent)
	}
}

func dialTerminal(t *testing.T, srv *httptest.Server, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/console/terminal", h)
}

func TestTerminalOrigin(t *testing.T) {
	srv := newConsole(t, nil)
	for _, o := range []string{"", "http://evil.example", "null", "file://x"} {
		ws, resp, err := dialTerminal(t, srv, o)
		if err == nil {
			ws.Close()
			t.Errorf("origin %q accepted", o)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v %v, want 403", o, err, resp)
		}
	}
	resp, _ := get(t, srv.URL+"/console/terminal", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain GET of the terminal: %d, want 400", resp.StatusCode)
	}
}

// endOf reads the terminal's messages until its end message.
func endOf(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("no end message: %v", err)
		}
		var m map[string]any
		if mt == websocket.TextMessage && json.Unmarshal(data, &m) == nil && m["type"] == "end" {
			return m
		}
	}
}

func TestTerminalBadStart(t *testing.T) {
	srv := newConsole(t, nil)
	cases := map[string]string{
		`not json`: "first message must be a JSON start message",
		`{"type":"start","user":"u","password":"p","cols":80,"rows":24}`:                "token is missing",
		`{"type":"start","token":"t","password":"p","cols":80,"rows":24}`:               "username is missing",
		`{"type":"start","token":"t","user":"u","cols":80,"rows":24}`:                   "password or a private key",
		`{"type":"start","token":"t","user":"u","password":"p","cols":0,"rows":24}`:     "out of range",
		`{"type":"start","token":"t","user":"u","password":"p","cols":80,"rows":99999}`: "out of range",
	}
	for msg, want := range cases {
		ws, _, err := dialTerminal(t, srv, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		ws.WriteMessage(websocket.TextMessage, []byte(msg))
		end := endOf(t, ws)
		if r, _ := end["reason"].(string); !strings.Contains(r, want) || end["error"] != true {
			t.Errorf("start %s: end %v, want reason with %q", msg, end, want)
		}
		ws.Close()
	}
}
