package api

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestCloseTunnel(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{}`)
	e.clock.Advance(time.Second)
	r := e.ok("CloseTunnel", `{"tunnelId":"`+id+`"}`)
	if string(r.raw) != "{}" {
		t.Errorf("CloseTunnel output = %s, want {}", r.raw)
	}
	d := e.describe(id)
	if d.str("tunnel.status") != "CLOSED" || d.get("tunnel.lastUpdatedAt") != json.Number("1700000001.123") {
		t.Errorf("after close: %s", d.raw)
	}
	if got := e.peers.take(); !slices.Equal(got, []string{"close " + id + " expired=false"}) {
		t.Errorf("peers calls = %v", got)
	}
	// Idempotent (D10): 200 again, no state change, peers not bothered.
	e.clock.Advance(time.Second)
	e.ok("CloseTunnel", `{"tunnelId":"`+id+`"}`)
	if got := e.peers.take(); len(got) != 0 {
		t.Errorf("second close called peers: %v", got)
	}
	if got := e.describe(id).get("tunnel.lastUpdatedAt"); got != json.Number("1700000001.123") {
		t.Errorf("second close bumped lastUpdatedAt to %v", got)
	}
	if e.count() != 1 {
		t.Errorf("closed tunnel not listed")
	}
}

func TestCloseTunnelDelete(t *testing.T) {
	e := newEnv(t, nil)
	open, closed := e.open(`{}`), e.open(`{}`)
	e.ok("CloseTunnel", `{"tunnelId":"`+closed+`"}`)
	e.peers.take()
	for _, id := range []string{open, closed} {
		e.ok("CloseTunnel", `{"tunnelId":"`+id+`", "delete": true}`)
		wantError(t, e.call("DescribeTunnel", `{"tunnelId":"`+id+`"}`), 400, codeResourceNotFound)
		if got := e.peers.take(); !slices.Equal(got, []string{"close " + id + " expired=false"}) {
			t.Errorf("peers calls = %v", got)
		}
		wantError(t, e.call("CloseTunnel", `{"tunnelId":"`+id+`", "delete": true}`), 400, codeResourceNotFound)
	}
	if n := e.count(); n != 0 {
		t.Errorf("%d tunnels listed after delete", n)
	}
}

func TestCloseTunnelNotFound(t *testing.T) {
	e := newEnv(t, nil)
	for _, body := range []string{`{"tunnelId":"nope"}`, `{"tunnelId":"nope","delete":false}`, `{"tunnelId":"nope","delete":true}`} {
		wantError(t, e.call("CloseTunnel", body), 400, codeResourceNotFound)
	}
	if got := e.peers.take(); len(got) != 0 {
		t.Errorf("peers called for unknown tunnels: %v", got)
	}
}
