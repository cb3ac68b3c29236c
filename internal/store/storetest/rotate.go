package storetest

import (
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var rotateBehaviours = []behaviour{
	{"RotateTokensReplacesOnlyGivenModes", testRotateOneMode},
	{"RotateTokensReplacesBothModes", testRotateBoth},
	{"RotateTokensSetsThingNameOnlyWhenGiven", testRotateThingName},
	{"RotateTokensOnClosedOrExpiredFailsWithErrClosed", testRotateClosed},
	{"RotateTokensKeepsRetiredClientTokensTaken", testRotateRetiresClientToken},
}

// claim tries a claim without client token at t0 + 1 minute.
func claim(t *testing.T, s store.Store, h tunnel.TokenHash, m tunnel.Mode) error {
	_, err := s.ClaimToken(t.Context(), h, m, "", at(time.Minute))
	return err
}

func testRotateOneMode(t *testing.T, s store.Store) {
	want := newTunnel("r", t0)
	want.ThingName = "thing"
	want.Services = []string{"SSH"}
	want.Tags = tags("k", "v")
	old := mustCreate(t, s, want)
	newSrc := tunnel.HashToken(tunnel.NewToken())
	when := at(time.Minute)
	got, err := s.RotateTokens(t.Context(), "r", []store.Token{{Hash: newSrc, Mode: tunnel.ModeSource}}, nil, when)
	if err != nil {
		t.Fatalf("RotateTokens(r, source) = %v, want nil", err)
	}
	want.LastUpdatedAt = when
	checkTunnel(t, "RotateTokens(r, source)", got, want)
	checkTunnel(t, "Tunnel(r) after rotation", mustGet(t, s, "r"), want)
	wantErr(t, "ClaimToken(revoked source token)", claim(t, s, old.src, tunnel.ModeSource), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(new source token)", claim(t, s, newSrc, tunnel.ModeSource), nil)
	wantErr(t, "ClaimToken(unrotated destination token)", claim(t, s, old.dst, tunnel.ModeDestination), nil)
}

func testRotateBoth(t *testing.T, s store.Store) {
	old := mustCreate(t, s, newTunnel("r", t0))
	// A used, bound token is replaced by a fresh, unused one.
	if _, err := s.ClaimToken(t.Context(), old.dst, tunnel.ModeDestination, "ct", at(time.Second)); err != nil {
		t.Fatalf("ClaimToken(destination, ct) = %v, want nil", err)
	}
	fresh, tokens := newKeys()
	if _, err := s.RotateTokens(t.Context(), "r", tokens, nil, at(time.Minute)); err != nil {
		t.Fatalf("RotateTokens(r, both) = %v, want nil", err)
	}
	wantErr(t, "ClaimToken(revoked source token)", claim(t, s, old.src, tunnel.ModeSource), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(revoked destination token)", claim(t, s, old.dst, tunnel.ModeDestination), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(new source token)", claim(t, s, fresh.src, tunnel.ModeSource), nil)
	wantErr(t, "ClaimToken(new destination token)", claim(t, s, fresh.dst, tunnel.ModeDestination), nil)
}

func testRotateThingName(t *testing.T, s store.Store) {
	tn := newTunnel("r", t0)
	tn.ThingName = "first"
	mustCreate(t, s, tn)
	rotate := func(thing *string) string {
		t.Helper()
		_, tokens := newKeys()
		got, err := s.RotateTokens(t.Context(), "r", tokens[1:], thing, at(time.Minute))
		if err != nil {
			t.Fatalf("RotateTokens(r) = %v, want nil", err)
		}
		if stored := mustGet(t, s, "r").ThingName; stored != got.ThingName {
			t.Errorf("Tunnel(r).ThingName = %q, RotateTokens returned %q", stored, got.ThingName)
		}
		return got.ThingName
	}
	if got := rotate(nil); got != "first" {
		t.Errorf("RotateTokens(thingName nil).ThingName = %q, want %q (unchanged)", got, "first")
	}
	second := "second"
	if got := rotate(&second); got != "second" {
		t.Errorf("RotateTokens(thingName %q).ThingName = %q, want %q", second, got, second)
	}
	empty := ""
	if got := rotate(&empty); got != "" {
		t.Errorf("RotateTokens(thingName \"\").ThingName = %q, want \"\"", got)
	}
}

func testRotateClosed(t *testing.T, s store.Store) {
	closed := newTunnel("closed", t0)
	mustCreate(t, s, closed)
	mustClose(t, s, "closed", at(time.Minute))
	expired := newTunnel("expired", t0)
	k := mustCreate(t, s, expired)
	before := mustGet(t, s, "expired")
	_, tokens := newKeys()
	_, err := s.RotateTokens(t.Context(), "closed", tokens, nil, at(2*time.Minute))
	wantErr(t, "RotateTokens(closed)", err, store.ErrClosed)
	_, err = s.RotateTokens(t.Context(), "expired", tokens, nil, expired.ExpiresAt)
	wantErr(t, "RotateTokens(open, at == ExpiresAt)", err, store.ErrClosed)
	checkTunnel(t, "Tunnel(expired) after failed rotation", mustGet(t, s, "expired"), before)
	wantErr(t, "ClaimToken(token kept by failed rotation)", claim(t, s, k.src, tunnel.ModeSource), nil)
}

// A client token bound to a revoked token cannot be bound to the new one
// while the tunnel is open (docs/PROTOCOL.md §1.8); other client tokens can.
func testRotateRetiresClientToken(t *testing.T, s store.Store) {
	old := mustCreate(t, s, newTunnel("r", t0))
	const ct = "client-token-of-the-first-source-connection"
	if _, err := s.ClaimToken(t.Context(), old.src, tunnel.ModeSource, ct, at(time.Second)); err != nil {
		t.Fatalf("ClaimToken(source, ct) = %v, want nil", err)
	}
	newSrc := tunnel.HashToken(tunnel.NewToken())
	if _, err := s.RotateTokens(t.Context(), "r", []store.Token{{Hash: newSrc, Mode: tunnel.ModeSource}}, nil, at(time.Minute)); err != nil {
		t.Fatalf("RotateTokens(r, source) = %v, want nil", err)
	}
	claimCT := func(h tunnel.TokenHash, clientToken string) error {
		_, err := s.ClaimToken(t.Context(), h, tunnel.ModeSource, clientToken, at(2*time.Minute))
		return err
	}
	wantErr(t, "ClaimToken(revoked token, its client token)", claimCT(old.src, ct), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(new token, the revoked token's client token)", claimCT(newSrc, ct), store.ErrClientTokenInUse)
	wantErr(t, "ClaimToken(new token, another client token)", claimCT(newSrc, ct+"-2"), nil)
	wantErr(t, "ClaimToken(new token, reconnect with its client token)", claimCT(newSrc, ct+"-2"), nil)

	// Rotating again retires the second client token too; the first stays taken.
	newer := tunnel.HashToken(tunnel.NewToken())
	if _, err := s.RotateTokens(t.Context(), "r", []store.Token{{Hash: newer, Mode: tunnel.ModeSource}}, nil, at(3*time.Minute)); err != nil {
		t.Fatalf("second RotateTokens(r, source) = %v, want nil", err)
	}
	wantErr(t, "ClaimToken(newest token, first client token)", claimCT(newer, ct), store.ErrClientTokenInUse)
	wantErr(t, "ClaimToken(newest token, second client token)", claimCT(newer, ct+"-2"), store.ErrClientTokenInUse)
	wantErr(t, "ClaimToken(second token, now revoked)", claimCT(newSrc, ct+"-2"), store.ErrTokenUnknown)

	// Once the tunnel is closed its client tokens are free for other tunnels.
	if _, _, err := s.CloseTunnel(t.Context(), "r", at(4*time.Minute)); err != nil {
		t.Fatalf("CloseTunnel(r) = %v, want nil", err)
	}
	other := mustCreate(t, s, newTunnel("o", at(5*time.Minute)))
	if _, err := s.ClaimToken(t.Context(), other.src, tunnel.ModeSource, ct, at(6*time.Minute)); err != nil {
		t.Fatalf("ClaimToken(other tunnel, first client token) = %v, want nil", err)
	}
}
