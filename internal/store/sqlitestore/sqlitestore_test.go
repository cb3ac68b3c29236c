package sqlitestore

import (
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store/migration"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/storetest"
	"github.com/adit-project/adit/internal/tunnel"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "tunneld.db"))
		if err != nil {
			t.Fatalf("Open() = %v, want nil", err)
		}
		return s
	})
}

func mustOpen(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s) = %v, want nil", path, err)
	}
	return s
}

func TestReopenKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tunneld.db")
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	s := mustOpen(t, path)
	a := tunnel.Tunnel{
		ID: "a", ARN: "arn:aws:iot:us-east-1:1:tunnel/a", Status: tunnel.StatusOpen,
		Description: "d", ThingName: "thing", Services: []string{"SSH", "HTTP"},
		LifetimeMinutes: 60, CreatedAt: t0, LastUpdatedAt: t0, ExpiresAt: t0.Add(time.Hour),
		Source: tunnel.ConnState{LastUpdatedAt: t0}, Destination: tunnel.ConnState{LastUpdatedAt: t0},
		Tags: []tunnel.Tag{{Key: "k", Value: "v"}},
	}
	b := a
	b.ID, b.ExpiresAt, b.Tags = "b", t0.Add(2*time.Hour), nil
	srcA, dstA, srcB := tunnel.HashToken("src-a"), tunnel.HashToken("dst-a"), tunnel.HashToken("src-b")
	ctx, now := t.Context(), t0.Add(time.Minute)
	steps := []error{
		s.CreateTunnel(ctx, a, []store.Token{{Hash: srcA, Mode: tunnel.ModeSource}, {Hash: dstA, Mode: tunnel.ModeDestination}}, 0),
		s.CreateTunnel(ctx, b, []store.Token{{Hash: srcB, Mode: tunnel.ModeSource}}, 0),
		s.SetConnState(ctx, "a", tunnel.ModeSource, true, now),
		second(s.ClaimToken(ctx, srcA, tunnel.ModeSource, "ct", now)),
		second(s.ClaimToken(ctx, dstA, tunnel.ModeDestination, "", now)),
		third(s.CloseTunnel(ctx, "b", now)),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d = %v, want nil", i, err)
		}
	}
	wantA, wantB := mustGet(t, s, "a"), mustGet(t, s, "b")
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}

	for reopen := range 2 {
		s = mustOpen(t, path)
		if got := mustGet(t, s, "a"); !equalTunnels(got, wantA) {
			t.Errorf("reopen %d: Tunnel(a) = %+v, want %+v", reopen, got, wantA)
		}
		if got := mustGet(t, s, "b"); !equalTunnels(got, wantB) {
			t.Errorf("reopen %d: Tunnel(b) = %+v, want %+v", reopen, got, wantB)
		}
		if exp, ok, err := s.NextExpiry(ctx); err != nil || !ok || !exp.Equal(a.ExpiresAt) {
			t.Errorf("reopen %d: NextExpiry() = %v, %v, %v; want %v, true, nil", reopen, exp, ok, err, a.ExpiresAt)
		}
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(mustMigrations(t)) {
			t.Errorf("reopen %d: %d rows in schema_migrations, %v; want %d", reopen, n, err, len(mustMigrations(t)))
		}
		s.Close()
	}

	s = mustOpen(t, path)
	defer s.Close()
	claims := []struct {
		name string
		h    tunnel.TokenHash
		m    tunnel.Mode
		ct   string
		want error
	}{
		{"bound source, same client token", srcA, tunnel.ModeSource, "ct", nil},
		{"bound source, other client token", srcA, tunnel.ModeSource, "x", store.ErrClientTokenMismatch},
		{"used destination", dstA, tunnel.ModeDestination, "", store.ErrTokenUsed},
		{"closed tunnel", srcB, tunnel.ModeSource, "", store.ErrClosed},
	}
	for _, c := range claims {
		if _, err := s.ClaimToken(ctx, c.h, c.m, c.ct, now); !errors.Is(err, c.want) {
			t.Errorf("after reopen ClaimToken(%s) = %v, want %v", c.name, err, c.want)
		}
	}
	// The open-tunnel count survives too: a is the only open tunnel.
	c := a
	c.ID = "c"
	if err := s.CreateTunnel(ctx, c, nil, 1); !errors.Is(err, store.ErrLimitExceeded) {
		t.Errorf("after reopen CreateTunnel(maxOpen 1) = %v, want ErrLimitExceeded", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tunneld.db")
	s := mustOpen(t, path)
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO schema_migrations VALUES (9999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Errorf("Open(database from a newer binary) = nil, want an error")
	}
}

func mustMigrations(t *testing.T) []migration.Migration {
	t.Helper()
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations() = %d, %v; want some, nil", len(ms), err)
	}
	return ms
}

func mustGet(t *testing.T, s *Store, id string) tunnel.Tunnel {
	t.Helper()
	tn, err := s.Tunnel(t.Context(), id)
	if err != nil {
		t.Fatalf("Tunnel(%s) = %v, want nil", id, err)
	}
	return tn
}

// equalTunnels compares two tunnels read from the store.
func equalTunnels(a, b tunnel.Tunnel) bool {
	return a.ID == b.ID && a.ARN == b.ARN && a.Status == b.Status && a.Description == b.Description &&
		a.ThingName == b.ThingName && slices.Equal(a.Services, b.Services) &&
		a.LifetimeMinutes == b.LifetimeMinutes && a.CreatedAt.Equal(b.CreatedAt) &&
		a.LastUpdatedAt.Equal(b.LastUpdatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.ClosedAt.Equal(b.ClosedAt) && a.Source.Connected == b.Source.Connected &&
		a.Source.LastUpdatedAt.Equal(b.Source.LastUpdatedAt) &&
		a.Destination.Connected == b.Destination.Connected &&
		a.Destination.LastUpdatedAt.Equal(b.Destination.LastUpdatedAt) && slices.Equal(a.Tags, b.Tags)
}

func second[A any](_ A, err error) error        { return err }
func third[A, B any](_ A, _ B, err error) error { return err }

func TestConnectionSettings(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	defer s.Close()
	want := map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "10000", "temp_store": "2",
		"wal_autocheckpoint": "4000"}
	for pool, db := range map[string]*sql.DB{"write": s.w, "read": s.r} {
		for pragma, w := range want {
			var got string
			if err := db.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil || got != w {
				t.Errorf("%s pool: PRAGMA %s = %q, %v; want %q", pool, pragma, got, err, w)
			}
		}
	}
	if _, err := s.r.ExecContext(t.Context(), `DELETE FROM tunnels`); err == nil {
		t.Errorf("read pool accepted a write, want query_only")
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	err := s.DeleteTunnel(t.Context(), "x")
	if !errors.Is(err, errStoreClosed) {
		t.Errorf("DeleteTunnel() after Close = %v, want %v", err, errStoreClosed)
	}
}
