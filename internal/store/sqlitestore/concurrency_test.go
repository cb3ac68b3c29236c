package sqlitestore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store/storetest"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// TestMixedLoadNeverBusy runs every kind of read and write at once: none
// may fail with SQLITE_BUSY or any other unexpected error.
func TestMixedLoadNeverBusy(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	defer s.Close()
	const workers, rounds = 8, 40
	now := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if err := mixedRound(t, s, fmt.Sprintf("w%d-%d", w, i), now); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
}

// mixedRound does one of everything to a new tunnel.
func mixedRound(t *testing.T, s *Store, id string, now time.Time) error {
	ctx := t.Context()
	tn, tokens := storetest.BenchTunnel(id, now)
	if err := s.CreateTunnel(ctx, tn, tokens, 50); err != nil && !errors.Is(err, store.ErrLimitExceeded) {
		return err
	} else if err != nil {
		return nil // quota full: others will close theirs
	}
	steps := []func() error{
		func() error { _, err := s.Tunnel(ctx, id); return err },
		func() error { _, err := s.ListTunnels(ctx, store.ListQuery{Limit: 20}); return err },
		func() error {
			_, err := s.ClaimToken(ctx, tokens[0].Hash, tunnel.ModeSource, "ct-"+id, now)
			return err
		},
		func() error { return s.SetConnState(ctx, id, tunnel.ModeSource, true, now) },
		func() error { return s.TagTunnel(ctx, id, []tunnel.Tag{{Key: "x", Value: id}}, 50, now) },
		func() error { _, err := s.RotateTokens(ctx, id, tokens[1:], nil, now); return err },
		func() error { _, _, err := s.CloseTunnel(ctx, id, now); return err },
		func() error { _, err := s.ExpireTunnels(ctx, now); return err },
		func() error { _, _, err := s.NextExpiry(ctx); return err },
		func() error { _, err := s.PurgeClosed(ctx, now.Add(-time.Hour)); return err },
	}
	for i, f := range steps {
		if err := f(); err != nil {
			return fmt.Errorf("%s step %d: %w", id, i, err)
		}
	}
	return nil
}
