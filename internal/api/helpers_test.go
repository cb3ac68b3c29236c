package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/sqlitestore"
	"github.com/adit-project/adit/internal/tunnel"
)

// t0 is the fake clock's start: 2023-11-14T22:13:20.123Z.
var t0 = time.UnixMilli(1700000000123).UTC()

// fakeClock is an injectable clock. With tick set, every reading advances
// it by tick.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	tick time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.tick)
	return t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// allowAll accepts every request; the principal is the X-Test-Principal
// header. SigV4 itself is tested in internal/sigv4.
type allowAll struct{}

func (allowAll) Verify(r *http.Request, _ []byte) (string, error) {
	return r.Header.Get("X-Test-Principal"), nil
}

// peersRecorder records Peers calls.
type peersRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (p *peersRecorder) CloseTunnel(id string, expired bool) {
	p.add(fmt.Sprintf("close %s expired=%v", id, expired))
}

func (p *peersRecorder) Revoke(id string, m tunnel.Mode) { p.add(fmt.Sprintf("revoke %s %s", id, m)) }

func (p *peersRecorder) add(s string) {
	p.mu.Lock()
	p.calls = append(p.calls, s)
	p.mu.Unlock()
}

func (p *peersRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

// notifierRecorder records notifications and fails with err when set.
type notifierRecorder struct {
	mu  sync.Mutex
	got []notifymsg.Notification
	err error
}

func (n *notifierRecorder) NotifyDestination(ctx context.Context, x notifymsg.Notification) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, x)
	return n.err
}

func (n *notifierRecorder) take() []notifymsg.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	g := n.got
	n.got = nil
	return g
}

// env is a Handler over SQLite in a temp dir, served by httptest.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	store  *sqlitestore.Store
	clock  *fakeClock
	peers  *peersRecorder
	notify *notifierRecorder
	logs   *looptest.SyncBuffer
}

// newEnv builds an env; edit adjusts the Config before New.
func newEnv(t testing.TB, edit func(*Config)) *env {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, clock: &fakeClock{now: t0}, peers: &peersRecorder{},
		notify: &notifierRecorder{}, logs: &looptest.SyncBuffer{}}
	cfg := Config{Store: st, Auth: allowAll{}, Peers: e.peers, Notifier: e.notify, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		e.srv.Close()
		// Every token this service issues carries the prefix: none may be logged.
		if strings.Contains(e.logs.String(), tunnel.TokenPrefix) {
			t.Errorf("an access token was logged:\n%s", e.logs)
		}
	})
	return e
}

// response is a decoded API response.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // numbers as json.Number
}

// code is the __type of an error response.
func (r response) code() string { s, _ := r.body["__type"].(string); return s }

func (r response) message() string { s, _ := r.body["message"].(string); return s }

// str returns a string member at a dotted path.
func (r response) str(path string) string { s, _ := r.get(path).(string); return s }

// get returns the member at a dotted path (list indexes are numbers).
func (r response) get(path string) any {
	var v any = r.body
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (r response) has(path string) bool { return r.get(path) != nil }

// call posts body to operation op with the SDK's headers.
func (e *env) call(op, body string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", TargetPrefix+op)
	return e.do(req)
}

// ok calls op and fails the test unless it returned 200.
func (e *env) ok(op, body string) response {
	e.t.Helper()
	r := e.call(op, body)
	if r.status != http.StatusOK {
		e.t.Fatalf("%s(%s) = %d %s: %s, want 200", op, body, r.status, r.code(), r.message())
	}
	return r
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r.body); err != nil {
		e.t.Fatalf("response body %q is not a JSON object: %v", raw, err)
	}
	return r
}

// open opens a tunnel with body and returns its id.
func (e *env) open(body string) string {
	e.t.Helper()
	return e.ok("OpenTunnel", body).str("tunnelId")
}

func (e *env) describe(id string) response {
	e.t.Helper()
	return e.ok("DescribeTunnel", `{"tunnelId":"`+id+`"}`)
}

// count returns how many tunnels ListTunnels shows (one page of 100).
func (e *env) count() int {
	e.t.Helper()
	l, _ := e.ok("ListTunnels", `{}`).get("tunnelSummaries").([]any)
	return len(l)
}

// wantError checks an AWS error response: status, code, headers.
func wantError(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Errorf("got %d %s (%s), want %d %s", r.status, r.code(), r.message(), status, code)
	}
	if got := r.header.Get(headerErrorType); got != code {
		t.Errorf("X-Amzn-ErrorType = %q, want %q", got, code)
	}
	if r.header.Get(headerRequestID) == "" {
		t.Errorf("no %s header", headerRequestID)
	}
	if got := r.header.Get("Content-Type"); got != contentTypeJSON11 {
		t.Errorf("Content-Type = %q, want %q", got, contentTypeJSON11)
	}
}

// faultyStore wraps a store and fails or panics in Tunnel.
type faultyStore struct {
	store.Store
	err      error
	panicMsg string
}

func (f faultyStore) Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error) {
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.err != nil {
		return tunnel.Tunnel{}, f.err
	}
	return f.Store.Tunnel(ctx, id)
}

var errDiskOnFire = errors.New("disk on fire")

// listAll asks the store for every tunnel of a test.
var listAll = store.ListQuery{Limit: 10000}
