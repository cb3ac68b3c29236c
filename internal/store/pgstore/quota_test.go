package pgstore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
)

// TestQuotaBound walks the quota's parallel paths through their states on
// one stripe: the first create sets the bound to quota/64; creates that
// keep their stripe within it go ahead; one that would take its stripe
// above it is refused by the trigger and admitted by the exclusive path,
// which raises the bound beyond what the quota allows; the next create is
// admitted by the count and the margin, leaving the bound alone; once no
// stripe is full any more the next create resets the bound, and the
// bound path resumes.
func TestQuotaBound(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	maxOpen := s.margin + 700
	bound := int64(maxOpen / 64)
	ids := sameStripe(t, s, int(bound)+1)
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
	for _, id := range ids[:bound] {
		create(id)
	}
	wantBound(fmt.Sprintf("after %d creates in one stripe", bound), bound)
	create(ids[bound])
	wantBound("after one more create in that stripe", bound+1)
	create("other-1") // by the count: the exclusive path would raise the bound
	wantBound("after a create by the count and the margin", bound+1)
	for _, id := range ids[:2] {
		if _, _, err := s.CloseTunnel(t.Context(), id, t0.Add(time.Minute)); err != nil {
			t.Fatalf("CloseTunnel(%s) = %v", id, err)
		}
	}
	create("other-2")
	wantBound("after the full stripe lost two tunnels", bound)
	create("other-3")
	wantBound("after a create on the bound path", bound)
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

// TestDuplicateUnderQuota creates an id twice on the quota's bound path
// (the first create, "a", set the bound): the second create of "dup"
// fails with ErrExists and counts nothing.
func TestDuplicateUnderQuota(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	maxOpen := s.margin + 700
	for _, id := range []string{"a", "dup"} {
		tn, tokens := newTunnel(id)
		if err := s.CreateTunnel(t.Context(), tn, tokens, maxOpen); err != nil {
			t.Fatalf("CreateTunnel(%s, quota %d) = %v", id, maxOpen, err)
		}
	}
	var b int
	if err := s.pool.QueryRow(t.Context(), `SELECT b FROM quota_bound`).Scan(&b); err != nil || b != maxOpen/64 {
		t.Fatalf("quota bound = %d, %v; want %d (the bound path)", b, err, maxOpen/64)
	}
	tn, tokens := newTunnel("dup")
	if err := s.CreateTunnel(t.Context(), tn, tokens, maxOpen); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateTunnel(dup again, quota %d) = %v, want ErrExists", maxOpen, err)
	}
	var open int
	if err := s.pool.QueryRow(t.Context(), `SELECT sum(n) FROM open_counts`).Scan(&open); err != nil || open != 2 {
		t.Errorf("open count = %d, %v; want 2 (the duplicate counts nothing)", open, err)
	}
}
