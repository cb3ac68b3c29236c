package pgstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
)

// TestQuotaBound walks the stripe bound through its states on one stripe:
// the first create sets it to quota/64; a create that would take its
// stripe above it is refused by the trigger and admitted by the exact
// path, which raises the bound and so sends every create to the exact
// path; once the stripe empties again the next exact create lowers the
// bound and the shared path resumes.
func TestQuotaBound(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	const maxOpen = 64*3 + 5 // bound 3
	ids := sameStripe(t, s, 5)
	create := func(id string) {
		t.Helper()
		tn, tokens := newTunnel(id)
		if err := s.CreateTunnel(t.Context(), tn, tokens, maxOpen); err != nil {
			t.Fatalf("CreateTunnel(%s, quota %d) = %v, want nil", id, maxOpen, err)
		}
	}
	wantBound := func(what string, want int64) {
		t.Helper()
		var b int64
		if err := s.pool.QueryRow(t.Context(), `SELECT b FROM quota_bound`).Scan(&b); err != nil || b != want {
			t.Errorf("%s: quota bound = %d, %v; want %d", what, b, err, want)
		}
	}
	wantBound("fresh database", 0)
	for _, id := range ids[:3] {
		create(id)
	}
	wantBound("after 3 creates in one stripe", 3)
	create(ids[3])
	wantBound("after a 4th create in that stripe", 4)
	create(ids[4])
	wantBound("after a 5th create (exact path)", 5)
	for _, id := range ids[:5] {
		if _, _, err := s.CloseTunnel(t.Context(), id, t0.Add(time.Minute)); err != nil {
			t.Fatalf("CloseTunnel(%s) = %v", id, err)
		}
	}
	create("after-close")
	wantBound("after the stripe emptied", 3)
}

// sameStripe returns n tunnel ids that share one stripe of open_counts.
func sameStripe(t *testing.T, s *Store, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; len(ids) < n && i < 10000; i++ {
		id := fmt.Sprint("stripe-", i)
		var stripe int
		if err := s.pool.QueryRow(t.Context(), `SELECT adit_stripe($1)`, id).Scan(&stripe); err != nil {
			t.Fatalf("adit_stripe(%s) = %v", id, err)
		}
		if stripe == 7 {
			ids = append(ids, id)
		}
	}
	if len(ids) < n {
		t.Fatalf("found %d ids in stripe 7 among 10000, want %d", len(ids), n)
	}
	return ids
}
