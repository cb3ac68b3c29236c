package api

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestOpenTunnelOutput(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Partition, c.Region, c.AccountID = "aws-cn", "cn-north-1", "000000000042" })
	r := e.ok("OpenTunnel", `{}`)
	id := r.str("tunnelId")
	if !uuidV4.MatchString(id) {
		t.Errorf("tunnelId = %q, want a lowercase UUIDv4", id)
	}
	if got, want := r.str("tunnelArn"), "arn:aws-cn:iot:cn-north-1:000000000042:tunnel/"+id; got != want {
		t.Errorf("tunnelArn = %q, want %q", got, want)
	}
	src, dst := r.str("sourceAccessToken"), r.str("destinationAccessToken")
	if !strings.HasPrefix(src, tunnel.TokenPrefix) || !strings.HasPrefix(dst, tunnel.TokenPrefix) || src == dst {
		t.Errorf("tokens %q, %q: want two distinct %s tokens", src, dst, tunnel.TokenPrefix)
	}
	if len(r.body) != 4 {
		t.Errorf("output has members %v, want exactly the four of the model", r.body)
	}
	// Only hashes are stored: the tokens claim, the stored record has none.
	ctx := context.Background()
	for m, tok := range map[tunnel.Mode]string{tunnel.ModeSource: src, tunnel.ModeDestination: dst} {
		if _, err := e.store.ClaimToken(ctx, tunnel.HashToken(tok), m, "", t0); err != nil {
			t.Errorf("ClaimToken(%v) = %v", m, err)
		}
	}
}

func TestOpenTunnelStoresRequest(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{"description": "ssh to robot ü", "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": ""}],
		"destinationConfig": {"thingName": "robot-1", "services": ["SSH", "VNC"]},
		"timeoutConfig": {"maxLifetimeTimeoutMinutes": 30}}`)
	got, err := e.store.Tunnel(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got.Tags, func(a, b tunnel.Tag) int { return strings.Compare(a.Key, b.Key) })
	want := tunnel.Tunnel{
		ID: id, ARN: "arn:aws:iot:us-east-1:123456789012:tunnel/" + id, Status: tunnel.StatusOpen,
		Description: "ssh to robot ü", ThingName: "robot-1", Services: []string{"SSH", "VNC"},
		LifetimeMinutes: 30, CreatedAt: t0, LastUpdatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute),
		Source: tunnel.ConnState{LastUpdatedAt: t0}, Destination: tunnel.ConnState{LastUpdatedAt: t0},
		Tags: []tunnel.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: ""}},
	}
	if !equalTunnel(got, want) {
		t.Errorf("stored tunnel = %+v\nwant %+v", got, want)
	}
}

func equalTunnel(a, b tunnel.Tunnel) bool {
	return a.ID == b.ID && a.ARN == b.ARN && a.Status == b.Status && a.Description == b.Description &&
		a.ThingName == b.ThingName && slices.Equal(a.Services, b.Services) && a.LifetimeMinutes == b.LifetimeMinutes &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastUpdatedAt.Equal(b.LastUpdatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.ClosedAt.Equal(b.ClosedAt) && a.Source.Connected == b.Source.Connected &&
		a.Source.LastUpdatedAt.Equal(b.Source.LastUpdatedAt) && a.Destination.Connected == b.Destination.Connected &&
		a.Destination.LastUpdatedAt.Equal(b.Destination.LastUpdatedAt) && slices.Equal(a.Tags, b.Tags)
}

func TestOpenTunnelDuplicateTagKeysLastWins(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{"tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}`)
	tags := e.describe(id).get("tunnel.tags").([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["value"] != "2" {
		t.Errorf("tags = %v, want one k=2", tags)
	}
}

func TestOpenTunnelQuotas(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		body string
		ok   int // how many opens succeed before LimitExceededException
	}{
		{"open tunnels", func(c *Config) { c.MaxOpenTunnels = 2 }, `{}`, 2},
		{"services", func(c *Config) { c.MaxServices = 1 }, `{"destinationConfig": {"services": ["a", "b"]}}`, 0},
		{"services default 3", nil, `{"destinationConfig": {"services": ["a", "b", "c", "d"]}}`, 0},
		{"tags", func(c *Config) { c.MaxTags = 1 }, `{"tags": [{"key": "a", "value": ""}, {"key": "b", "value": ""}]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.edit)
			for range tt.ok {
				e.open(tt.body)
			}
			wantError(t, e.call("OpenTunnel", tt.body), 400, codeLimitExceeded)
			if n := e.count(); n != tt.ok {
				t.Errorf("%d tunnels stored, want %d", n, tt.ok)
			}
		})
	}
}

func TestOpenTunnelQuotaCountsOpenOnly(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxOpenTunnels = 1 })
	id := e.open(`{}`)
	wantError(t, e.call("OpenTunnel", `{}`), 400, codeLimitExceeded)
	e.ok("CloseTunnel", `{"tunnelId":"`+id+`"}`)
	e.open(`{}`)
}

func TestOpenTunnelUnlimited(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxOpenTunnels = -1 })
	for range 3 {
		e.open(`{}`)
	}
	if n, _ := e.store.ListTunnels(context.Background(), store.ListQuery{Limit: 10}); len(n) != 3 {
		t.Errorf("%d tunnels, want 3", len(n))
	}
}

func TestOpenTunnelNotifies(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Region = "eu-west-1" })
	r := e.ok("OpenTunnel", `{"destinationConfig": {"thingName": "robot-1", "services": ["SSH"]}}`)
	got := e.notify.take()
	want := notifymsg.Notification{ThingName: "robot-1", Region: "eu-west-1", Token: r.str("destinationAccessToken"), Services: []string{"SSH"}}
	if len(got) != 1 || got[0].ThingName != want.ThingName || got[0].Region != want.Region ||
		got[0].Token != want.Token || !slices.Equal(got[0].Services, want.Services) {
		t.Errorf("notifications = %+v, want [%+v]", got, want)
	}
	e.open(`{"destinationConfig": {"services": ["SSH"]}}`)
	e.open(`{}`)
	if got := e.notify.take(); len(got) != 0 {
		t.Errorf("notified without a thingName: %+v", got)
	}
}

func TestOpenTunnelNotifyFailureIsLoggedNotFatal(t *testing.T) {
	e := newEnv(t, nil)
	e.notify.err = errDiskOnFire
	r := e.ok("OpenTunnel", `{"destinationConfig": {"thingName": "robot-1", "services": ["SSH"]}}`)
	logs := e.logs.String()
	if !strings.Contains(logs, "notify destination failed") {
		t.Errorf("notify failure not logged:\n%s", logs)
	}
	for _, tok := range []string{r.str("sourceAccessToken"), r.str("destinationAccessToken")} {
		if strings.Contains(logs, tok) {
			t.Errorf("a token was logged:\n%s", logs)
		}
	}
}
