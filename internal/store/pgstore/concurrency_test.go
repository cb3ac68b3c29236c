package pgstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// newTunnel returns an open tunnel created at t0 with a 12-hour lifetime
// and fresh tokens for both modes.
func newTunnel(id string) (tunnel.Tunnel, []store.Token) {
	tn := tunnel.Tunnel{
		ID: id, ARN: tunnel.ARN("aws", "us-east-1", "123456789012", id), Status: tunnel.StatusOpen,
		Description: "test tunnel", ThingName: "thing", Services: []string{"SSH"},
		LifetimeMinutes: 720, CreatedAt: t0, LastUpdatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour),
		Source: tunnel.ConnState{LastUpdatedAt: t0}, Destination: tunnel.ConnState{LastUpdatedAt: t0},
		Tags: []tunnel.Tag{{Key: "env", Value: "test"}},
	}
	return tn, []store.Token{
		{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeSource},
		{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeDestination},
	}
}

// mustCreate stores a new tunnel without quota and returns its tokens.
func mustCreate(t *testing.T, s *Store, id string) []store.Token {
	t.Helper()
	tn, tokens := newTunnel(id)
	if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err != nil {
		t.Fatalf("CreateTunnel(%s) = %v, want nil", id, err)
	}
	return tokens
}

// TestClaimRaceAcrossStores claims one token from two Store values (two
// pools, as two nodes would) at once, round after round: exactly one
// claim wins each round.
func TestClaimRaceAcrossStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	stores := []*Store{mustOpen(t, url), mustOpen(t, url)}
	const rounds, perStore = 25, 4
	at := t0.Add(time.Minute)
	for r := range rounds {
		id := fmt.Sprint("race-", r)
		tokens := mustCreate(t, stores[0], id)
		var (
			wg         sync.WaitGroup
			mu         sync.Mutex
			wins       int
			unexpected []error
		)
		for i := range 2 * perStore {
			wg.Go(func() {
				ct := ""
				if r%2 == 1 {
					ct = fmt.Sprintf("ct-%d-%d", r, i) // distinct client tokens: losers mismatch
				}
				_, err := stores[i%2].ClaimToken(t.Context(), tokens[0].Hash, tunnel.ModeSource, ct, at)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, store.ErrTokenUsed) && !errors.Is(err, store.ErrClientTokenMismatch):
					unexpected = append(unexpected, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("round %d: %d concurrent ClaimToken calls from two stores = %d winners, want 1", r, 2*perStore, wins)
		}
		for _, err := range unexpected {
			t.Errorf("round %d: ClaimToken() = %v, want nil, ErrTokenUsed or ErrClientTokenMismatch", r, err)
		}
	}
}

// TestClientTokenRaceAcrossStores binds one client token to the tokens of
// different tunnels from two Store values at once: one binding wins.
func TestClientTokenRaceAcrossStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	stores := []*Store{mustOpen(t, url), mustOpen(t, url)}
	const rounds, workers = 10, 6
	at := t0.Add(time.Minute)
	for r := range rounds {
		hashes := make([]tunnel.TokenHash, workers)
		for w := range workers {
			hashes[w] = mustCreate(t, stores[0], fmt.Sprintf("ct-%d-%d", r, w))[0].Hash
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for w := range workers {
			wg.Go(func() {
				_, err := stores[w%2].ClaimToken(t.Context(), hashes[w], tunnel.ModeSource, fmt.Sprint("shared-", r), at)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if !errors.Is(err, store.ErrClientTokenInUse) {
					t.Errorf("round %d: ClaimToken() = %v, want nil or ErrClientTokenInUse", r, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("round %d: %d claims binding one client token = %d winners, want 1", r, workers, wins)
		}
	}
}

// TestQuotaRaceAcrossStores creates tunnels from two Store values at once
// under two quotas: in "bound", creates start on the stripe-bound path,
// are refused by it as stripes fill up, and finish on the exclusive path;
// in "margin", one stripe is filled up first, so creates count and go
// ahead in parallel while more than max_connections below the quota, and
// finish on the exclusive path. Exactly the quota is created.
func TestQuotaRaceAcrossStores(t *testing.T) {
	for _, name := range []string{"bound", "margin"} {
		t.Run(name, func(t *testing.T) {
			url := pgtest.Shared(t).NewDatabase(t)
			stores := []*Store{mustOpen(t, url), mustOpen(t, url)}
			maxOpen, primed := 64*4+7, 0 // a stripe bound of 4
			if name == "margin" {
				maxOpen = stores[0].margin + 200
				ids := sameStripe(t, stores[0], maxOpen/64+1)
				for _, id := range ids {
					tn, tokens := newTunnel(id)
					if err := stores[0].CreateTunnel(t.Context(), tn, tokens, maxOpen); err != nil {
						t.Fatalf("CreateTunnel(%s) = %v", id, err)
					}
				}
				primed = len(ids)
			}
			quotaRace(t, stores, maxOpen, primed)
		})
	}
}

// quotaRace creates maxOpen+60 tunnels under quota maxOpen from 12
// goroutines spread over stores, where primed tunnels are open already,
// and checks that the quota was filled exactly.
func quotaRace(t *testing.T, stores []*Store, maxOpen, primed int) {
	const workers = 12
	attempts := maxOpen + 60
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		created    int
		next       int
		unexpected []error
	)
	for w := range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= attempts {
					return
				}
				tn, tokens := newTunnel(fmt.Sprint("q-", i))
				err := stores[w%2].CreateTunnel(t.Context(), tn, tokens, maxOpen)
				mu.Lock()
				switch {
				case err == nil:
					created++
				case !errors.Is(err, store.ErrLimitExceeded):
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("CreateTunnel(maxOpen %d) = %v, want nil or ErrLimitExceeded", maxOpen, err)
	}
	if created != maxOpen-primed {
		t.Errorf("%d concurrent creates with quota %d and %d open from two stores created %d, want %d", attempts, maxOpen, primed, created, maxOpen-primed)
	}
	var n int
	if err := stores[1].pool.QueryRow(t.Context(), `SELECT count(*) FROM tunnels WHERE closed_at IS NULL`).Scan(&n); err != nil || n != maxOpen {
		t.Errorf("open tunnels in the database = %d, %v; want %d", n, err, maxOpen)
	}
}

// TestConcurrentOpenMigratesOnce opens one empty database from several
// goroutines at once: every Open succeeds and each migration is recorded
// once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), Config{URL: url}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Open #%d = %v, want nil", i, err)
			continue
		}
		defer stores[i].Close()
	}
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations() = %d, %v", len(ms), err)
	}
	s := mustOpen(t, url)
	var rows, distinct int
	err = s.pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct)
	if err != nil || rows != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations: %d rows, %d versions, %v; want %d, %d", rows, distinct, err, len(ms), len(ms))
	}
	mustCreate(t, s, "after-migrations")
}

// TestOpenRefusesNewerSchema refuses a database a newer binary migrated.
func TestOpenRefusesNewerSchema(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	s := open(t, url)
	_, err := s.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future.sql')`)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Open(t.Context(), Config{URL: url}); err == nil {
		s.Close()
		t.Errorf("Open(database from a newer binary) = nil, want an error")
	}
}

// TestExpireRaceAcrossStores expires the same due tunnels from two Store
// values at once: each tunnel is expired by exactly one of them.
func TestExpireRaceAcrossStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	stores := []*Store{mustOpen(t, url), mustOpen(t, url)}
	const n = 200
	for i := range n {
		mustCreate(t, stores[0], fmt.Sprint("due-", i))
	}
	var (
		wg  sync.WaitGroup
		ids [2][]string
	)
	for i, s := range stores {
		wg.Go(func() {
			var err error
			if ids[i], err = s.ExpireTunnels(t.Context(), t0.Add(24*time.Hour)); err != nil {
				t.Errorf("ExpireTunnels() from store %d = %v, want nil", i, err)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, list := range ids {
		for _, id := range list {
			seen[id]++
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("tunnel %s expired %d times, want once", id, c)
		}
	}
	if len(seen) != n {
		t.Errorf("two concurrent ExpireTunnels() expired %d tunnels, want %d", len(seen), n)
	}
}
