package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

func TestDescribeTunnelMembers(t *testing.T) {
	e := newEnv(t, nil)
	bare := e.open(`{}`)
	full := e.open(`{"description": "d", "tags": [{"key": "k", "value": "v"}],
		"destinationConfig": {"thingName": "robot-1", "services": ["SSH"]}}`)
	tests := []struct {
		id          string
		present     []string
		absent      []string
		wantStrings map[string]string
	}{
		{bare, []string{"tunnelId", "tunnelArn", "status", "sourceConnectionState", "destinationConnectionState",
			"timeoutConfig", "createdAt", "lastUpdatedAt"}, []string{"description", "destinationConfig", "tags"},
			map[string]string{"status": "OPEN", "sourceConnectionState.status": "DISCONNECTED",
				"destinationConnectionState.status": "DISCONNECTED"}},
		{full, []string{"description", "destinationConfig", "tags"}, nil,
			map[string]string{"description": "d", "destinationConfig.thingName": "robot-1",
				"destinationConfig.services.0": "SSH", "tags.0.key": "k", "tags.0.value": "v"}},
	}
	for _, tt := range tests {
		r := e.describe(tt.id)
		for _, m := range tt.present {
			if !r.has("tunnel." + m) {
				t.Errorf("tunnel %s lacks %s: %s", tt.id, m, r.raw)
			}
		}
		for _, m := range tt.absent {
			if r.has("tunnel." + m) {
				t.Errorf("tunnel %s has %s: %s", tt.id, m, r.raw)
			}
		}
		for p, want := range tt.wantStrings {
			if got := r.str("tunnel." + p); got != want {
				t.Errorf("tunnel.%s = %q, want %q", p, got, want)
			}
		}
		if got := r.get("tunnel.timeoutConfig.maxLifetimeTimeoutMinutes"); got != json.Number("720") {
			t.Errorf("effective timeout = %v, want 720", got)
		}
	}
}

// TestDescribeTunnelTimestamps checks that timestamps are epoch-second
// JSON numbers with milliseconds, and connection states start at createdAt.
func TestDescribeTunnelTimestamps(t *testing.T) {
	e := newEnv(t, nil)
	r := e.describe(e.open(`{}`))
	for _, p := range []string{"createdAt", "lastUpdatedAt", "sourceConnectionState.lastUpdatedAt",
		"destinationConnectionState.lastUpdatedAt"} {
		if got := r.get("tunnel." + p); got != json.Number("1700000000.123") {
			t.Errorf("%s = %#v, want the number 1700000000.123", p, got)
		}
	}
	if !regexp.MustCompile(`"createdAt":1700000000\.123[,}]`).Match(r.raw) {
		t.Errorf("createdAt not a bare number in %s", r.raw)
	}
}

func TestDescribeTunnelExpiredReadsClosed(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 1}}`)
	e.clock.Advance(time.Minute - time.Millisecond)
	if got := e.describe(id).str("tunnel.status"); got != "OPEN" {
		t.Errorf("status 1ms before expiry = %s, want OPEN", got)
	}
	e.clock.Advance(time.Millisecond)
	r := e.describe(id)
	if got := r.str("tunnel.status"); got != "CLOSED" {
		t.Errorf("status at expiry = %s, want CLOSED", got)
	}
	if got := r.get("tunnel.lastUpdatedAt"); got != json.Number("1700000060.123") {
		t.Errorf("lastUpdatedAt = %v, want the expiry time 1700000060.123", got)
	}
	if got := e.ok("ListTunnels", `{}`).str("tunnelSummaries.0.status"); got != "CLOSED" {
		t.Errorf("ListTunnels status = %s, want CLOSED", got)
	}
}

func TestDescribeTunnelConnectionState(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{}`)
	at := t0.Add(5 * time.Second)
	if err := e.store.SetConnState(t.Context(), id, tunnel.ModeSource, true, at); err != nil {
		t.Fatal(err)
	}
	r := e.describe(id)
	if r.str("tunnel.sourceConnectionState.status") != "CONNECTED" ||
		r.get("tunnel.sourceConnectionState.lastUpdatedAt") != json.Number("1700000005.123") {
		t.Errorf("source state = %v", r.get("tunnel.sourceConnectionState"))
	}
	e.clock.Advance(time.Hour * 13) // past the 720 min lifetime, not swept
	r = e.describe(id)
	if r.str("tunnel.sourceConnectionState.status") != "DISCONNECTED" {
		t.Errorf("expired tunnel shows source %v", r.get("tunnel.sourceConnectionState"))
	}
}

func TestDescribeTunnelNotFound(t *testing.T) {
	e := newEnv(t, nil)
	r := e.call("DescribeTunnel", `{"tunnelId": "00000000-0000-4000-8000-000000000000"}`)
	wantError(t, r, 400, codeResourceNotFound)
	if !strings.Contains(r.message(), "00000000-0000-4000-8000-000000000000") {
		t.Errorf("message %q does not name the tunnel", r.message())
	}
}
