package pgstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// watcher runs Watch on s until the test ends and hands over the changes.
type watcher struct {
	changes chan store.Change
	done    chan error
}

func startWatch(t *testing.T, s *Store) *watcher {
	ctx, cancel := context.WithCancel(t.Context())
	w := &watcher{changes: make(chan store.Change, 100), done: make(chan error, 1)}
	go func() { w.done <- s.Watch(ctx, func(c store.Change) { w.changes <- c }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("Watch() after its context ended = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Watch() did not return within 10 s of its context ending")
		}
	})
	return w
}

// next returns the next change, failing the test after 10 s.
func (w *watcher) next(t *testing.T, what string) store.Change {
	t.Helper()
	select {
	case c := <-w.changes:
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no change within 10 s, waiting for %s", what)
		return store.Change{}
	}
}

// expect fails the test unless the next change is want.
func (w *watcher) expect(t *testing.T, want store.Change) {
	t.Helper()
	got := w.next(t, kindName(want.Kind)+" "+want.TunnelID)
	if got.Kind != want.Kind || got.TunnelID != want.TunnelID || !slices.Equal(got.Modes, want.Modes) {
		t.Errorf("change = %+v, want %+v", got, want)
	}
}

func kindName(k store.ChangeKind) string {
	return map[store.ChangeKind]string{store.ChangeClosed: "close", store.ChangeRotated: "rotation", store.ChangeResync: "resync"}[k]
}

// TestWatchSeesChangesOfAnotherStore watches with one Store while another
// (another node) closes, rotates and expires tunnels.
func TestWatchSeesChangesOfAnotherStore(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	watching, writer := mustOpen(t, url), mustOpen(t, url)
	for _, id := range []string{"closed", "rotated", "expired", "late"} {
		mustCreate(t, writer, id)
	}
	w := startWatch(t, watching)
	w.expect(t, store.Change{Kind: store.ChangeResync}) // listening from here on

	ctx, at := t.Context(), t0.Add(time.Minute)
	if _, changed, err := writer.CloseTunnel(ctx, "closed", at); err != nil || !changed {
		t.Fatalf("CloseTunnel(closed) = %v, %v", changed, err)
	}
	w.expect(t, store.Change{Kind: store.ChangeClosed, TunnelID: "closed"})

	// Neither a repeated close nor a failed rotation publishes anything:
	// the next change must be the rotation below.
	if _, _, err := writer.CloseTunnel(ctx, "closed", at); err != nil {
		t.Fatal(err)
	}
	_, tokens := newTunnel("unused")
	if _, err := writer.RotateTokens(ctx, "closed", tokens[:1], nil, at); err == nil {
		t.Fatal("RotateTokens(closed tunnel) = nil, want ErrClosed")
	}
	if _, err := writer.RotateTokens(ctx, "rotated", tokens, nil, at); err != nil {
		t.Fatal(err)
	}
	w.expect(t, store.Change{Kind: store.ChangeRotated, TunnelID: "rotated",
		Modes: []tunnel.Mode{tunnel.ModeSource, tunnel.ModeDestination}})

	if _, err := writer.pool.Exec(ctx, `UPDATE tunnels SET expires_at = $1 WHERE id = 'expired'`, at); err != nil {
		t.Fatal(err)
	}
	if ids, err := writer.ExpireTunnels(ctx, at); err != nil || !slices.Equal(ids, []string{"expired"}) {
		t.Fatalf("ExpireTunnels() = %q, %v; want [expired]", ids, err)
	}
	w.expect(t, store.Change{Kind: store.ChangeClosed, TunnelID: "expired"})

	// Its own changes arrive too.
	if _, _, err := watching.CloseTunnel(ctx, "late", at); err != nil {
		t.Fatal(err)
	}
	w.expect(t, store.Change{Kind: store.ChangeClosed, TunnelID: "late"})
}

// TestWatchResyncsAfterLosingItsConnection terminates Watch's backend: it
// reconnects, reports a ChangeResync and goes on delivering changes.
func TestWatchResyncsAfterLosingItsConnection(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	watching, writer := mustOpen(t, url), mustOpen(t, url)
	mustCreate(t, writer, "after")
	w := startWatch(t, watching)
	w.expect(t, store.Change{Kind: store.ChangeResync})

	var killed int
	err := writer.pool.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'tunneld-watch' AND datname = current_database()`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminating the watch backend: %d terminated, %v; want 1", killed, err)
	}
	w.expect(t, store.Change{Kind: store.ChangeResync})
	if _, _, err := writer.CloseTunnel(t.Context(), "after", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.expect(t, store.Change{Kind: store.ChangeClosed, TunnelID: "after"})
}

func TestParseChange(t *testing.T) {
	for _, c := range []struct {
		payload string
		want    store.Change
	}{
		{`{"kind" : "closed", "tunnel_id" : "x"}`, store.Change{Kind: store.ChangeClosed, TunnelID: "x"}},
		{`{"kind":"rotated","tunnel_id":"y","modes":["destination"]}`,
			store.Change{Kind: store.ChangeRotated, TunnelID: "y", Modes: []tunnel.Mode{tunnel.ModeDestination}}},
		{`{"kind":"rotated","tunnel_id":"y","modes":["sideways"]}`, store.Change{Kind: store.ChangeResync}},
		{`{"kind":"renamed","tunnel_id":"y"}`, store.Change{Kind: store.ChangeResync}},
		{`{"kind":"closed"}`, store.Change{Kind: store.ChangeResync}},
		{`not json`, store.Change{Kind: store.ChangeResync}},
	} {
		got := parseChange(c.payload)
		if got.Kind != c.want.Kind || got.TunnelID != c.want.TunnelID || !slices.Equal(got.Modes, c.want.Modes) {
			t.Errorf("parseChange(%s) = %+v, want %+v", c.payload, got, c.want)
		}
	}
}
