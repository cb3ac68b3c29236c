package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// t0 is the suite's reference time, on a millisecond boundary.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// newTunnel returns an open tunnel created at created, with a 60-minute
// lifetime, no destination config and both modes disconnected.
func newTunnel(id string, created time.Time) tunnel.Tunnel {
	return tunnel.Tunnel{
		ID:              id,
		ARN:             tunnel.ARN("aws", "us-east-1", "123456789012", id),
		Status:          tunnel.StatusOpen,
		LifetimeMinutes: 60,
		CreatedAt:       created,
		LastUpdatedAt:   created,
		ExpiresAt:       created.Add(60 * time.Minute),
		Source:          tunnel.ConnState{LastUpdatedAt: created},
		Destination:     tunnel.ConnState{LastUpdatedAt: created},
	}
}

// keys are the plain access tokens of one tunnel, as the API hands them out.
type keys struct {
	src, dst tunnel.TokenHash
}

// newKeys returns fresh source and destination tokens and their store form.
func newKeys() (keys, []store.Token) {
	k := keys{src: tunnel.HashToken(tunnel.NewToken()), dst: tunnel.HashToken(tunnel.NewToken())}
	return k, []store.Token{{Hash: k.src, Mode: tunnel.ModeSource}, {Hash: k.dst, Mode: tunnel.ModeDestination}}
}

// mustCreate stores tn with fresh tokens and no quota, or fails the test.
func mustCreate(t *testing.T, s store.Store, tn tunnel.Tunnel) keys {
	t.Helper()
	k, tokens := newKeys()
	if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err != nil {
		t.Fatalf("CreateTunnel(%s) = %v, want nil", tn.ID, err)
	}
	return k
}

// mustGet returns the stored tunnel id, or fails the test.
func mustGet(t *testing.T, s store.Store, id string) tunnel.Tunnel {
	t.Helper()
	got, err := s.Tunnel(t.Context(), id)
	if err != nil {
		t.Fatalf("Tunnel(%s) = %v, want nil", id, err)
	}
	return got
}

// mustClose closes tunnel id at time when, or fails the test.
func mustClose(t *testing.T, s store.Store, id string, when time.Time) {
	t.Helper()
	if _, _, err := s.CloseTunnel(t.Context(), id, when); err != nil {
		t.Fatalf("CloseTunnel(%s) = %v, want nil", id, err)
	}
}

// wantErr reports unless errors.Is(err, want); want nil means success.
func wantErr(t *testing.T, call string, err, want error) bool {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", call, err, want)
		return false
	}
	return true
}

// checkTunnel reports every difference between got and want, where want
// holds the values as given to the store: times are expected back at
// millisecond precision in UTC, Tags in any order, and nil and empty
// slices are equal.
func checkTunnel(t *testing.T, call string, got, want tunnel.Tunnel) {
	t.Helper()
	for _, d := range diffTunnel(got, want) {
		t.Errorf("%s: %s", call, d)
	}
}

func diffTunnel(got, want tunnel.Tunnel) []string {
	var d []string
	field := func(name string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %#v, want %#v", name, g, w))
		}
	}
	field("ID", got.ID, want.ID)
	field("ARN", got.ARN, want.ARN)
	field("Status", got.Status.String(), want.Status.String())
	field("Description", got.Description, want.Description)
	field("ThingName", got.ThingName, want.ThingName)
	field("LifetimeMinutes", got.LifetimeMinutes, want.LifetimeMinutes)
	field("Services", strings.Join(got.Services, ","), strings.Join(want.Services, ","))
	field("len(Services)", len(got.Services), len(want.Services))
	field("Source.Connected", got.Source.Connected, want.Source.Connected)
	field("Destination.Connected", got.Destination.Connected, want.Destination.Connected)
	field("Tags", fmtTags(got.Tags), fmtTags(want.Tags))
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastUpdatedAt", got.LastUpdatedAt, want.LastUpdatedAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
		{"ClosedAt", got.ClosedAt, want.ClosedAt},
		{"Source.LastUpdatedAt", got.Source.LastUpdatedAt, want.Source.LastUpdatedAt},
		{"Destination.LastUpdatedAt", got.Destination.LastUpdatedAt, want.Destination.LastUpdatedAt},
	} {
		if s := diffTime(f.got, f.want); s != "" {
			d = append(d, f.name+" "+s)
		}
	}
	return d
}

// diffTime compares a stored time with the time given to the store: equal
// at millisecond precision, and in UTC. A zero want means unset.
func diffTime(got, want time.Time) string {
	if want.IsZero() {
		if !got.IsZero() {
			return fmt.Sprintf("= %v, want zero", got)
		}
		return ""
	}
	w := tunnel.Truncate(want)
	if !got.Equal(w) || got.Location() != time.UTC {
		return fmt.Sprintf("= %v, want %v", got, w)
	}
	return ""
}

// fmtTags formats tags sorted by key, for order-insensitive comparison.
func fmtTags(tags []tunnel.Tag) string {
	s := make([]string, len(tags))
	for i, g := range tags {
		s[i] = fmt.Sprintf("%q=%q", g.Key, g.Value)
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// tags builds tags from key, value pairs.
func tags(kv ...string) []tunnel.Tag {
	out := make([]tunnel.Tag, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, tunnel.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}
