package pgstore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
)

// within runs f and fails the test unless it returns within 15 s (the
// store's 5 s deadline plus slack on a loaded machine): calls must not
// hang while the database is away.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not return within 15 s", what)
		return nil
	}
}

// TestRecoversAfterRestart stops PostgreSQL under an open Store: calls
// fail with ErrUnavailable instead of hanging, and once PostgreSQL is back
// the Store works again by itself.
func TestRecoversAfterRestart(t *testing.T) {
	srv := pgtest.Start(t)
	s := mustOpen(t, srv.NewDatabase(t))
	mustCreate(t, s, "before")
	if err := srv.Down(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Tunnel": func() error { _, err := s.Tunnel(t.Context(), "before"); return err },
		"CreateTunnel": func() error {
			tn, tokens := newTunnel("during")
			return s.CreateTunnel(t.Context(), tn, tokens, 100)
		},
		"ClaimToken": func() error { _, err := s.ClaimToken(t.Context(), [32]byte{1}, 1, "", t0); return err },
		"Heartbeat": func() error {
			return s.Heartbeat(t.Context(), store.Node{ID: "a", Addr: "a:1"}, time.Minute)
		},
	}
	for name, call := range calls {
		err := within(t, name+" while PostgreSQL is down", call)
		if !errors.Is(err, store.ErrUnavailable) || !IsUnavailable(err) {
			t.Errorf("%s while PostgreSQL is down = %v, want ErrUnavailable", name, err)
		}
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tunnel(t.Context(), "before"); err != nil {
		t.Errorf("Tunnel() after PostgreSQL restarted = %v, want nil", err)
	}
	for i := range 20 { // every pooled connection is new or checked
		tn, tokens := newTunnel(fmt.Sprint("after-", i))
		if err := s.CreateTunnel(t.Context(), tn, tokens, 100); err != nil {
			t.Errorf("CreateTunnel #%d after PostgreSQL restarted = %v, want nil", i, err)
		}
	}
}

// TestRecoversAfterRestartUnderUse restarts PostgreSQL while the pool's
// connections are idle but recent.
func TestRecoversAfterRestartUnderUse(t *testing.T) {
	srv := pgtest.Start(t)
	s := mustOpen(t, srv.NewDatabase(t))
	for i := range 8 {
		mustCreate(t, s, fmt.Sprint("warm-", i))
	}
	srv.Restart(t)
	for i := range 8 {
		if _, err := s.Tunnel(t.Context(), fmt.Sprint("warm-", i)); err != nil {
			t.Errorf("Tunnel(warm-%d) right after a restart = %v, want nil", i, err)
		}
	}
}

func TestIsUnavailable(t *testing.T) {
	if IsUnavailable(nil) || IsUnavailable(store.ErrNotFound) || IsUnavailable(errors.New("x")) {
		t.Errorf("IsUnavailable(nil, ErrNotFound, other) = true, want false")
	}
	if !IsUnavailable(fmt.Errorf("wrapped: %w", store.ErrUnavailable)) {
		t.Errorf("IsUnavailable(wrapped ErrUnavailable) = false, want true")
	}
}

// TestOpenWhileDownFails opens a Store while PostgreSQL is down: Open
// fails with ErrUnavailable instead of waiting.
func TestOpenWhileDownFails(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	if err := srv.Down(); err != nil {
		t.Fatal(err)
	}
	err := within(t, "Open while PostgreSQL is down", func() error {
		s, err := Open(t.Context(), Config{URL: url})
		if err == nil {
			s.Close()
		}
		return err
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open() while PostgreSQL is down = %v, want ErrUnavailable", err)
	}
}
