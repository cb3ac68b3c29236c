package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// TestQueryTimeoutBoundsBlockedCalls holds a tunnel's row lock in another
// transaction: a call that waits for it gives up at the store's deadline
// with ErrUnavailable, and works once the lock is gone.
func TestQueryTimeoutBoundsBlockedCalls(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	s, err := Open(t.Context(), Config{URL: url, QueryTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreate(t, s, "locked")
	tx, err := s.pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `SELECT 1 FROM tunnels WHERE id = 'locked' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	err = within(t, "CloseTunnel on a locked row", func() error {
		_, _, err := s.CloseTunnel(t.Context(), "locked", t0.Add(time.Minute))
		return err
	})
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CloseTunnel(row locked elsewhere) = %v, want ErrUnavailable at the deadline", err)
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, changed, err := s.CloseTunnel(t.Context(), "locked", t0.Add(time.Minute)); err != nil || !changed {
		t.Errorf("CloseTunnel() after the lock is gone = %v, %v; want true, nil", changed, err)
	}
	// The caller's own cancellation is not unavailability.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Tunnel(ctx, "locked"); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Tunnel(cancelled context) = %v, want the cancellation, not ErrUnavailable", err)
	}
}

// TestBadInputIsRefusedWhole gives values PostgreSQL cannot store: the
// call fails with an error and stores nothing.
func TestBadInputIsRefusedWhole(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	tn, tokens := newTunnel("nul")
	tn.Description = "a\x00b"
	if err := s.CreateTunnel(t.Context(), tn, tokens, 10); err == nil {
		t.Errorf("CreateTunnel(description with NUL) = nil, want an error")
	}
	if _, err := s.Tunnel(t.Context(), "nul"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tunnel(nul) after the refused create = %v, want ErrNotFound", err)
	}
	if _, err := s.ClaimToken(t.Context(), tokens[0].Hash, tunnel.ModeSource, "", t0); !errors.Is(err, store.ErrTokenUnknown) {
		t.Errorf("ClaimToken(token of the refused create) = %v, want ErrTokenUnknown", err)
	}
	mustCreate(t, s, "ok")
	if err := s.TagTunnel(t.Context(), "ok", []tunnel.Tag{{Key: "k\x00", Value: "v"}}, 10, t0); err == nil {
		t.Errorf("TagTunnel(key with NUL) = nil, want an error")
	}
	got, err := s.Tunnel(t.Context(), "ok")
	if err != nil || len(got.Tags) != 1 || !got.LastUpdatedAt.Equal(t0) {
		t.Errorf("Tunnel(ok) after the refused tag = %v tags, updated %v, %v; want the one tag, unchanged", got.Tags, got.LastUpdatedAt, err)
	}
	tn, tokens = newTunnel("bad-mode")
	tokens[1].Mode = tunnel.Mode(7)
	if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err == nil {
		t.Errorf("CreateTunnel(token of mode 7) = nil, want an error")
	}
	if _, err := Open(t.Context(), Config{URL: "postgres://%zz"}); err == nil {
		t.Errorf("Open(malformed URL) = nil, want an error")
	}
}
