package sigv4

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestBotocoreFixturesOverLoopback sends every fixture as raw bytes to a real
// net/http server, so Host, Content-Length and header folding are exactly
// what the server sees in production.
func TestBotocoreFixturesOverLoopback(t *testing.T) {
	fixtures := map[string]fixture{}
	verifiers := map[string]*Verifier{}
	for _, f := range loadFixtures(t) {
		fixtures[f.Name] = f
		verifiers[f.Name] = f.verifier(t, StaticKeys{f.AccessKeyID: f.key()})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := verifiers[r.Header.Get("X-Test-Fixture")]
		body, err := io.ReadAll(r.Body)
		if !ok || err != nil {
			http.Error(w, "unknown fixture or unreadable body", http.StatusTeapot)
			return
		}
		if _, err := v.Verify(r, body); err != nil {
			http.Error(w, err.Error(), err.(*Error).Status)
		}
	}))
	defer srv.Close()
	for name, f := range fixtures {
		t.Run(name, func(t *testing.T) {
			status, msg := sendRaw(t, srv.Listener.Addr().String(), f)
			if missing := f.missingSigned(); missing != "" {
				if status != http.StatusBadRequest || !strings.Contains(msg, "'"+missing+"'") {
					t.Fatalf("status %d: %s; want 400 naming %q", status, msg, missing)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, msg)
			}
		})
	}
}

// sendRaw writes f as an HTTP/1.1 request on a fresh connection and returns
// the response status and body.
func sendRaw(t *testing.T, addr string, f fixture) (int, string) {
	t.Helper()
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", f.Method, u.RequestURI())
	hasLength := false
	for _, h := range f.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
		hasLength = hasLength || strings.EqualFold(h[0], "Content-Length")
	}
	if !hasLength && f.Body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(f.Body))
	}
	fmt.Fprintf(&b, "Authorization: %s\r\nX-Test-Fixture: %s\r\nConnection: close\r\n\r\n%s", f.Authorization, f.Name, f.Body)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}
