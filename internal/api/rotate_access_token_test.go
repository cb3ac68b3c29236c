package api

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

func TestRotateAccessToken(t *testing.T) {
	tests := []struct {
		mode       string
		src, dst   bool
		revokedFor []tunnel.Mode
	}{
		{"SOURCE", true, false, []tunnel.Mode{tunnel.ModeSource}},
		{"DESTINATION", false, true, []tunnel.Mode{tunnel.ModeDestination}},
		{"ALL", true, true, []tunnel.Mode{tunnel.ModeSource, tunnel.ModeDestination}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			e := newEnv(t, nil)
			o := e.ok("OpenTunnel", `{"destinationConfig": {"thingName": "robot", "services": ["SSH"]}}`)
			id := o.str("tunnelId")
			e.notify.take()
			e.clock.Advance(time.Second)
			r := e.ok("RotateTunnelAccessToken", `{"tunnelId":"`+id+`","clientMode":"`+tt.mode+`"}`)
			if r.str("tunnelArn") != o.str("tunnelArn") || r.has("sourceAccessToken") != tt.src ||
				r.has("destinationAccessToken") != tt.dst || len(r.body) != 1+btoi(tt.src)+btoi(tt.dst) {
				t.Errorf("output = %s", r.raw)
			}
			var want []string
			for _, m := range tt.revokedFor {
				want = append(want, "revoke "+id+" "+m.String())
			}
			if got := e.peers.take(); !slices.Equal(got, want) {
				t.Errorf("peers calls = %v, want %v", got, want)
			}
			// Old tokens of rotated modes are dead, others still work, new ones work.
			check := func(tok string, m tunnel.Mode, want error) {
				t.Helper()
				_, err := e.store.ClaimToken(t.Context(), tunnel.HashToken(tok), m, "", e.clock.Now())
				if !errors.Is(err, want) {
					t.Errorf("claim %v token: %v, want %v", m, err, want)
				}
			}
			check(o.str("sourceAccessToken"), tunnel.ModeSource, map[bool]error{true: store.ErrTokenUnknown}[tt.src])
			check(o.str("destinationAccessToken"), tunnel.ModeDestination, map[bool]error{true: store.ErrTokenUnknown}[tt.dst])
			if tt.src {
				check(r.str("sourceAccessToken"), tunnel.ModeSource, nil)
			}
			if tt.dst {
				check(r.str("destinationAccessToken"), tunnel.ModeDestination, nil)
			}
			if got := e.describe(id).get("tunnel.lastUpdatedAt"); got != json.Number("1700000001.123") {
				t.Errorf("lastUpdatedAt = %v, want bumped to 1700000001.123", got)
			}
			if got := e.notify.take(); len(got) != 0 {
				t.Errorf("notified without destinationConfig: %v", got)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRotateAccessTokenDestinationConfig(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{"destinationConfig": {"thingName": "old", "services": ["SSH", "VNC"]}}`)
	e.notify.take()
	// Same services in another order, another thing: notified, stored.
	r := e.ok("RotateTunnelAccessToken", `{"tunnelId":"`+id+`","clientMode":"ALL",
		"destinationConfig": {"thingName": "new", "services": ["VNC", "SSH"]}}`)
	got := e.notify.take()
	if len(got) != 1 || got[0].ThingName != "new" || got[0].Token != r.str("destinationAccessToken") ||
		got[0].Region != "us-east-1" || !slices.Equal(got[0].Services, []string{"SSH", "VNC"}) {
		t.Errorf("notifications = %+v", got)
	}
	if got := e.describe(id).str("tunnel.destinationConfig.thingName"); got != "new" {
		t.Errorf("stored thingName = %q, want new", got)
	}
	// Without a thingName: rotated, nobody notified, thing unchanged.
	e.ok("RotateTunnelAccessToken", `{"tunnelId":"`+id+`","clientMode":"DESTINATION",
		"destinationConfig": {"services": ["SSH", "VNC"]}}`)
	if got := e.notify.take(); len(got) != 0 {
		t.Errorf("notified without thingName: %+v", got)
	}
	if got := e.describe(id).str("tunnel.destinationConfig.thingName"); got != "new" {
		t.Errorf("thingName = %q after a rotate without one, want new", got)
	}
}

func TestRotateAccessTokenRejects(t *testing.T) {
	e := newEnv(t, nil)
	withSvc := e.open(`{"destinationConfig": {"services": ["SSH"]}}`)
	noSvc := e.open(`{}`)
	closed := e.open(`{}`)
	e.ok("CloseTunnel", `{"tunnelId":"`+closed+`"}`)
	expiring := e.open(`{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 1}}`)
	e.clock.Advance(time.Minute)
	e.peers.take()
	tests := []struct {
		name, body, code, msg string
	}{
		{"unknown", `{"tunnelId":"nope","clientMode":"ALL"}`, codeResourceNotFound, "tunnel nope not found"},
		{"closed", `{"tunnelId":"` + closed + `","clientMode":"ALL"}`, codeResourceNotFound, "tunnel " + closed + " is closed"},
		{"expired", `{"tunnelId":"` + expiring + `","clientMode":"SOURCE"}`, codeResourceNotFound, "tunnel " + expiring + " is closed"},
		{"source with destinationConfig", `{"tunnelId":"` + withSvc + `","clientMode":"SOURCE","destinationConfig":{"services":["SSH"]}}`,
			codeValidation, "destinationConfig"},
		{"other services", `{"tunnelId":"` + withSvc + `","clientMode":"DESTINATION","destinationConfig":{"services":["VNC"]}}`,
			codeValidation, "destinationConfig.services"},
		{"more services", `{"tunnelId":"` + withSvc + `","clientMode":"ALL","destinationConfig":{"services":["SSH","VNC"]}}`,
			codeValidation, "destinationConfig.services"},
		{"services on tunnel without", `{"tunnelId":"` + noSvc + `","clientMode":"ALL","destinationConfig":{"services":["SSH"]}}`,
			codeValidation, "destinationConfig.services"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("RotateTunnelAccessToken", tt.body)
			wantError(t, r, 400, tt.code)
			if !strings.Contains(r.message(), tt.msg) {
				t.Errorf("message %q lacks %q", r.message(), tt.msg)
			}
		})
	}
	if got := e.peers.take(); len(got) != 0 {
		t.Errorf("rejected rotations called peers: %v", got)
	}
}
