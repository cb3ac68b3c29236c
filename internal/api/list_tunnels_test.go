package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
)

// page lists one page and returns its ids and nextToken.
func (e *env) page(body string) ([]string, string) {
	e.t.Helper()
	r := e.ok("ListTunnels", body)
	var ids []string
	l, ok := r.get("tunnelSummaries").([]any)
	if !ok {
		e.t.Fatalf("no tunnelSummaries list in %s", r.raw)
	}
	for _, s := range l {
		ids = append(ids, s.(map[string]any)["tunnelId"].(string))
	}
	if _, has := r.body["nextToken"]; has && r.str("nextToken") == "" {
		e.t.Fatalf("empty nextToken in %s", r.raw)
	}
	return ids, r.str("nextToken")
}

// listBody builds a ListTunnels body.
func listBody(max int, token string) string {
	b := fmt.Sprintf(`{"maxResults": %d`, max)
	if token != "" {
		b += `, "nextToken": "` + token + `"`
	}
	return b + "}"
}

func TestListTunnelsNewestFirstPaged(t *testing.T) {
	e := newEnv(t, nil)
	var want []string
	for range 5 {
		want = append([]string{e.open(`{}`)}, want...)
		e.clock.Advance(time.Millisecond)
	}
	var got []string
	token, pages := "", 0
	for {
		ids, next := e.page(listBody(2, token))
		got, token, pages = append(got, ids...), next, pages+1
		if token == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 3 {
		t.Errorf("paged ids = %v in %d pages, want %v in 3", got, pages, want)
	}
	if ids, next := e.page(listBody(5, "")); len(ids) != 5 || next != "" {
		t.Errorf("exact page: %d ids, nextToken %q; want 5 and none", len(ids), next)
	}
}

func TestListTunnelsSummaryMembers(t *testing.T) {
	e := newEnv(t, nil)
	e.open(`{"description": "d", "tags": [{"key": "k", "value": "v"}]}`)
	r := e.ok("ListTunnels", `{}`)
	s := r.get("tunnelSummaries.0").(map[string]any)
	for _, m := range []string{"tunnelId", "tunnelArn", "status", "description", "createdAt", "lastUpdatedAt"} {
		if _, ok := s[m]; !ok {
			t.Errorf("summary lacks %s", m)
		}
	}
	if len(s) != 6 || s["createdAt"] != json.Number("1700000000.123") {
		t.Errorf("summary = %v", s)
	}
	if r.has("nextToken") {
		t.Errorf("nextToken on the only page: %s", r.raw)
	}
	if got := newEnv(t, nil).ok("ListTunnels", `{}`); string(got.raw) != `{"tunnelSummaries":[]}` {
		t.Errorf("empty list = %s", got.raw)
	}
}

func TestListTunnelsDefaultPageIs100(t *testing.T) {
	e := newEnv(t, nil)
	for range 101 {
		e.open(`{}`)
	}
	ids, next := e.page(`{}`)
	if len(ids) != 100 || next == "" {
		t.Fatalf("default page: %d ids, nextToken %q; want 100 and a token", len(ids), next)
	}
	if ids, next := e.page(`{"nextToken":"` + next + `"}`); len(ids) != 1 || next != "" {
		t.Errorf("second page: %d ids, nextToken %q", len(ids), next)
	}
}

func TestListTunnelsThingFilterAndClosed(t *testing.T) {
	e := newEnv(t, nil)
	a := e.open(`{"destinationConfig": {"thingName": "a", "services": ["SSH"]}}`)
	e.open(`{"destinationConfig": {"thingName": "b", "services": ["SSH"]}}`)
	e.ok("CloseTunnel", `{"tunnelId":"`+a+`"}`)
	ids, _ := e.page(`{"thingName": "a"}`)
	if len(ids) != 1 || ids[0] != a {
		t.Errorf("thingName=a lists %v, want [%s]", ids, a)
	}
	if got := e.ok("ListTunnels", `{"thingName": "a"}`).str("tunnelSummaries.0.status"); got != "CLOSED" {
		t.Errorf("closed tunnel listed as %s", got)
	}
	if ids, _ := e.page(`{"thingName": "c"}`); len(ids) != 0 {
		t.Errorf("thingName=c lists %v", ids)
	}
}

func TestListTunnelsRejectsForeignTokens(t *testing.T) {
	e := newEnv(t, nil)
	foreign := []string{
		"abc", "AAAA", strings.Repeat("A", 100),
		encodeCursor(store.Cursor{CreatedAt: t0, ID: "x"})[1:],  // corrupted
		encodeCursor(store.Cursor{CreatedAt: t0, ID: "bad id"}), // id fails the pattern
		"YWRsAQAAAYvPsAAAeA==",                                  // padded form
	}
	for _, tok := range foreign {
		r := e.call("ListTunnels", `{"nextToken":"`+tok+`"}`)
		wantError(t, r, 400, codeValidation)
		if !strings.Contains(r.message(), "'nextToken'") {
			t.Errorf("token %q: message %q does not name nextToken", tok, r.message())
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := store.Cursor{CreatedAt: t0, ID: "b2de92a3-b8ff-46c0-b0f2-afa28b00cecd"}
	s := encodeCursor(c)
	if !isNextToken(s) {
		t.Fatalf("encodeCursor = %q, not a valid NextToken", s)
	}
	got, ok := decodeCursor(s)
	if !ok || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Errorf("decodeCursor(encodeCursor(%v)) = %v, %v", c, got, ok)
	}
}

// TestListTunnelsStableUnderInserts pages through while other goroutines
// open tunnels: every tunnel that existed before the first page shows up
// exactly once, and no id repeats. With a frozen clock every tunnel has
// the same createdAt and order rests on the id tie-break alone.
func TestListTunnelsStableUnderInserts(t *testing.T) {
	for name, tick := range map[string]time.Duration{"ticking clock": time.Millisecond, "frozen clock": 0} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.MaxOpenTunnels = -1 })
			e.clock.tick = tick
			before := map[string]bool{}
			for range 30 {
				before[e.open(`{}`)] = true
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
							e.call("OpenTunnel", `{}`)
						}
					}
				})
			}
			seen := map[string]int{}
			for token := "first"; token != ""; {
				if token == "first" {
					token = ""
				}
				var ids []string
				ids, token = e.page(listBody(3, token))
				for _, id := range ids {
					seen[id]++
				}
				e.open(`{}`) // at least one insert between any two pages
			}
			close(stop)
			wg.Wait()
			for id, n := range seen {
				if n != 1 {
					t.Errorf("tunnel %s listed %d times", id, n)
				}
			}
			for id := range before {
				if seen[id] != 1 {
					t.Errorf("pre-existing tunnel %s listed %d times", id, seen[id])
				}
			}
		})
	}
}
