package sqlitestore

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store/storetest"
)

// TestPurgeClosedInChunks purges more tunnels than one transaction takes.
func TestPurgeClosedInChunks(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	defer s.Close()
	now := time.Now()
	const closed, open, workers = 2*purgeChunk + 1, 3, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < closed+open; i += workers {
				tn, tokens := storetest.BenchTunnel(fmt.Sprint("t", i), now)
				if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err != nil {
					t.Error(err)
					return
				}
				if i < closed {
					if _, _, err := s.CloseTunnel(t.Context(), tn.ID, now); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	n, err := s.PurgeClosed(t.Context(), now.Add(time.Millisecond))
	if err != nil || n != closed {
		t.Errorf("PurgeClosed() = %d, %v; want %d, nil", n, err, closed)
	}
	var left, tokens, tags int
	row := s.r.QueryRowContext(t.Context(), `SELECT
		(SELECT count(*) FROM tunnels), (SELECT count(*) FROM tokens), (SELECT count(*) FROM tags)`)
	if err := row.Scan(&left, &tokens, &tags); err != nil || left != open || tokens != 2*open || tags != 2*open {
		t.Errorf("after purge: %d tunnels, %d tokens, %d tags, %v; want %d, %d, %d", left, tokens, tags, err, open, 2*open, 2*open)
	}
}
