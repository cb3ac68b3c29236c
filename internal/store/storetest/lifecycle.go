package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var lifecycleBehaviours = []behaviour{
	{"CloseTunnelClosesAndDisconnects", testClose},
	{"CloseTunnelIsIdempotent", testCloseTwice},
	{"CloseExpiredTunnelClosesAtExpiry", testCloseExpired},
	{"DeleteTunnelRemovesTunnelTokensAndTags", testDelete},
	{"ExpireTunnelsClosesExactlyTheDueOnes", testExpire},
	{"NextExpiryIsEarliestOpenExpiry", testNextExpiry},
	{"PurgeClosedDeletesOnlyClosedBeforeCutoff", testPurge},
}

func testClose(t *testing.T, s store.Store) {
	want := newTunnel("c", t0)
	want.Tags = tags("k", "v")
	mustCreate(t, s, want)
	connected := at(time.Minute)
	if err := s.SetConnState(t.Context(), "c", tunnel.ModeSource, true, connected); err != nil {
		t.Fatalf("SetConnState(c, source, true) = %v, want nil", err)
	}
	when := at(2 * time.Minute)
	got, changed, err := s.CloseTunnel(t.Context(), "c", when)
	if err != nil || !changed {
		t.Fatalf("CloseTunnel(c) = _, %v, %v; want true, nil", changed, err)
	}
	want.Status, want.ClosedAt, want.LastUpdatedAt = tunnel.StatusClosed, when, when
	want.Source = tunnel.ConnState{LastUpdatedAt: when} // was connected: stamped now
	checkTunnel(t, "CloseTunnel(c)", got, want)
	checkTunnel(t, "Tunnel(c) after close", mustGet(t, s, "c"), want)
}

func testCloseTwice(t *testing.T, s store.Store) {
	mustCreate(t, s, newTunnel("c", t0))
	first, _, err := s.CloseTunnel(t.Context(), "c", at(time.Minute))
	if err != nil {
		t.Fatalf("CloseTunnel(c) = %v, want nil", err)
	}
	got, changed, err := s.CloseTunnel(t.Context(), "c", at(2*time.Minute))
	if err != nil || changed {
		t.Errorf("second CloseTunnel(c) = _, %v, %v; want false, nil", changed, err)
	}
	checkTunnel(t, "second CloseTunnel(c)", got, first)
	checkTunnel(t, "Tunnel(c) after second close", mustGet(t, s, "c"), first)
}

func testCloseExpired(t *testing.T, s store.Store) {
	want := newTunnel("c", t0)
	mustCreate(t, s, want)
	when := want.ExpiresAt.Add(time.Minute) // expired, not yet swept
	got, changed, err := s.CloseTunnel(t.Context(), "c", when)
	if err != nil || !changed {
		t.Fatalf("CloseTunnel(expired c) = _, %v, %v; want true, nil", changed, err)
	}
	if got.Status != tunnel.StatusClosed || !got.ClosedAt.Equal(want.ExpiresAt) {
		t.Errorf("CloseTunnel(expired c) = %v closed at %v, want CLOSED at expiry %v", got.Status, got.ClosedAt, want.ExpiresAt)
	}
}

func testDelete(t *testing.T, s store.Store) {
	old := newTunnel("d", t0)
	old.Tags = tags("old", "tag")
	k := mustCreate(t, s, old)
	closed := newTunnel("closed", t0)
	mustCreate(t, s, closed)
	mustClose(t, s, "closed", at(time.Minute))
	for _, id := range []string{"d", "closed"} {
		wantErr(t, fmt.Sprintf("DeleteTunnel(%s)", id), s.DeleteTunnel(t.Context(), id), nil)
		_, err := s.Tunnel(t.Context(), id)
		wantErr(t, fmt.Sprintf("Tunnel(%s) after delete", id), err, store.ErrNotFound)
		wantErr(t, fmt.Sprintf("second DeleteTunnel(%s)", id), s.DeleteTunnel(t.Context(), id), store.ErrNotFound)
	}
	_, err := s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of deleted tunnel)", err, store.ErrTokenUnknown)
	again := newTunnel("d", at(time.Minute))
	mustCreate(t, s, again)
	checkTunnel(t, "Tunnel(d) recreated after delete", mustGet(t, s, "d"), again)
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of the deleted d, after d was recreated)", err, store.ErrTokenUnknown)
}

func testExpire(t *testing.T, s store.Store) {
	now := at(2 * time.Hour)
	due, early, exact, later, closed := newTunnel("due", t0), newTunnel("early", t0), newTunnel("exact", t0), newTunnel("later", t0), newTunnel("closed", t0)
	early.ExpiresAt = at(30 * time.Minute)
	exact.ExpiresAt = now
	later.ExpiresAt = now.Add(time.Millisecond)
	closed.ExpiresAt = at(90 * time.Minute)
	for _, tn := range []tunnel.Tunnel{due, early, exact, later, closed} {
		mustCreate(t, s, tn)
	}
	mustClose(t, s, "closed", at(time.Minute))
	if err := s.SetConnState(t.Context(), "due", tunnel.ModeDestination, true, at(time.Minute)); err != nil {
		t.Fatalf("SetConnState(due, destination, true) = %v, want nil", err)
	}
	got, err := s.ExpireTunnels(t.Context(), now)
	slices.Sort(got)
	if wantIDs := []string{"due", "early", "exact"}; err != nil || !slices.Equal(got, wantIDs) {
		t.Errorf("ExpireTunnels(now) = %q, %v; want %q", got, err, wantIDs)
	}
	for _, w := range []tunnel.Tunnel{due, early, exact} {
		g := mustGet(t, s, w.ID)
		if g.Status != tunnel.StatusClosed || !g.ClosedAt.Equal(w.ExpiresAt) {
			t.Errorf("Tunnel(%s) after expiry = %v closed at %v, want CLOSED at %v", w.ID, g.Status, g.ClosedAt, w.ExpiresAt)
		}
		if g.Source.Connected || g.Destination.Connected || g.LastUpdatedAt.Before(w.ExpiresAt) {
			t.Errorf("Tunnel(%s) after expiry: connected %v/%v, LastUpdatedAt %v; want disconnected, not before %v",
				w.ID, g.Source.Connected, g.Destination.Connected, g.LastUpdatedAt, w.ExpiresAt)
		}
	}
	if g := mustGet(t, s, "later"); g.Status != tunnel.StatusOpen {
		t.Errorf("Tunnel(later).Status = %v, want OPEN", g.Status)
	}
	if g := mustGet(t, s, "closed"); !g.ClosedAt.Equal(at(time.Minute)) {
		t.Errorf("Tunnel(closed).ClosedAt = %v, want %v (unchanged)", g.ClosedAt, at(time.Minute))
	}
	got, err = s.ExpireTunnels(t.Context(), now)
	if err != nil || len(got) != 0 {
		t.Errorf("second ExpireTunnels(now) = %q, %v; want none", got, err)
	}
}

func testNextExpiry(t *testing.T, s store.Store) {
	check := func(label string, want time.Time, wantOK bool) {
		t.Helper()
		got, ok, err := s.NextExpiry(t.Context())
		if err != nil || ok != wantOK || !got.Equal(want) {
			t.Errorf("NextExpiry() %s = %v, %v, %v; want %v, %v, nil", label, got, ok, err, want, wantOK)
		}
	}
	check("on empty store", time.Time{}, false)
	a, b, c := newTunnel("a", t0), newTunnel("b", t0), newTunnel("c", t0)
	a.ExpiresAt, b.ExpiresAt, c.ExpiresAt = at(time.Minute), at(2*time.Minute), at(3*time.Minute)
	for _, tn := range []tunnel.Tunnel{c, a, b} {
		mustCreate(t, s, tn)
	}
	check("with three open", a.ExpiresAt, true)
	mustClose(t, s, "a", at(time.Second))
	check("after closing the earliest", b.ExpiresAt, true)
	mustClose(t, s, "b", at(time.Second))
	mustClose(t, s, "c", at(time.Second))
	check("with none open", time.Time{}, false)
}

func testPurge(t *testing.T, s store.Store) {
	cutoff := at(time.Hour)
	old, edge, recent, open := newTunnel("old", t0), newTunnel("edge", t0), newTunnel("recent", t0), newTunnel("open", t0)
	old.Tags = tags("k", "v")
	for _, tn := range []*tunnel.Tunnel{&old, &edge, &recent, &open} {
		tn.ExpiresAt = cutoff.Add(time.Hour) // none expires before it is closed
	}
	k := mustCreate(t, s, old)
	for _, tn := range []tunnel.Tunnel{edge, recent, open} {
		mustCreate(t, s, tn)
	}
	mustClose(t, s, "old", cutoff.Add(-time.Millisecond))
	mustClose(t, s, "edge", cutoff)
	mustClose(t, s, "recent", cutoff.Add(time.Millisecond))
	n, err := s.PurgeClosed(t.Context(), cutoff)
	if err != nil || n != 1 {
		t.Errorf("PurgeClosed(cutoff) = %d, %v; want 1, nil", n, err)
	}
	_, err = s.Tunnel(t.Context(), "old")
	wantErr(t, "Tunnel(old) after purge", err, store.ErrNotFound)
	for _, id := range []string{"edge", "recent", "open"} {
		mustGet(t, s, id)
	}
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of purged tunnel)", err, store.ErrTokenUnknown)
	again := newTunnel("old", at(time.Minute))
	mustCreate(t, s, again)
	checkTunnel(t, "Tunnel(old) recreated after purge", mustGet(t, s, "old"), again)
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of the purged old, after old was recreated)", err, store.ErrTokenUnknown)
}
