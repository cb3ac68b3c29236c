package sqlitestore

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestPurgeClosedInChunks purges more tunnels than one transaction takes.
func TestPurgeClosedInChunks(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	defer s.Close()
	now := time.Now()
	const closed = 2*purgeChunk + 1
	for i := range closed + 3 {
		tn, tokens := benchTunnel(fmt.Sprint("t", i), now)
		if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err != nil {
			t.Fatal(err)
		}
		if i < closed {
			if _, _, err := s.CloseTunnel(t.Context(), tn.ID, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := s.PurgeClosed(t.Context(), now.Add(time.Millisecond))
	if err != nil || n != closed {
		t.Errorf("PurgeClosed() = %d, %v; want %d, nil", n, err, closed)
	}
	var left, tokens, tags int
	row := s.r.QueryRowContext(t.Context(), `SELECT
		(SELECT count(*) FROM tunnels), (SELECT count(*) FROM tokens), (SELECT count(*) FROM tags)`)
	if err := row.Scan(&left, &tokens, &tags); err != nil || left != 3 || tokens != 6 || tags != 6 {
		t.Errorf("after purge: %d tunnels, %d tokens, %d tags, %v; want 3, 6, 6", left, tokens, tags, err)
	}
}
