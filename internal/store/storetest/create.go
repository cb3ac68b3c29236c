package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var createBehaviours = []behaviour{
	{"CreateThenGetRoundTripsEveryField", testRoundTrip},
	{"CreateMinimalTunnelRoundTrips", testRoundTripMinimal},
	{"CreateDuplicateIDFailsWithErrExists", testCreateDuplicate},
	{"MissingIDFailsWithErrNotFound", testNotFound},
	{"CreateEnforcesOpenQuota", testOpenQuota},
	{"CreateQuotaIgnoresClosedAndDeletedTunnels", testQuotaClosedDeleted},
	{"CreateQuotaHoldsUnderConcurrency", testQuotaConcurrent},
}

func testRoundTrip(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	created := time.Date(2030, 1, 2, 8, 34, 5, 678_901_234, zone) // sub-ms part is dropped
	want := tunnel.Tunnel{
		ID:              tunnel.NewID(),
		ARN:             "arn:aws:iot:eu-west-1:123456789012:tunnel/x",
		Status:          tunnel.StatusOpen,
		Description:     "grüße, \"quotes\" and 'apostrophes'",
		ThingName:       "thing-1",
		Services:        []string{"SSH", "HTTP", "RDP"},
		LifetimeMinutes: 30,
		CreatedAt:       created,
		LastUpdatedAt:   created.Add(1500 * time.Microsecond),
		ExpiresAt:       created.Add(30 * time.Minute),
		Source:          tunnel.ConnState{Connected: true, LastUpdatedAt: created.Add(time.Second)},
		Destination:     tunnel.ConnState{LastUpdatedAt: created.Add(2 * time.Second)},
		Tags:            tags("b", "2", "a", "1", "empty", "", "ü \"q\"\n\\", "ä\t]}"),
	}
	k := mustCreate(t, s, want)
	got := mustGet(t, s, want.ID)
	checkTunnel(t, fmt.Sprintf("Tunnel(%s)", want.ID), got, want)
	if len(got.Services) == 3 && (got.Services[0] != "SSH" || got.Services[2] != "RDP") {
		t.Errorf("Tunnel(%s).Services = %q, want order kept %q", want.ID, got.Services, want.Services)
	}
	c, err := s.ClaimToken(t.Context(), k.dst, tunnel.ModeDestination, "", at(time.Minute))
	if wantErr(t, "ClaimToken(dst)", err, nil) {
		checkTunnel(t, "ClaimToken(dst).Tunnel", c.Tunnel, want)
	}
}

func testRoundTripMinimal(t *testing.T, s store.Store) {
	want := newTunnel(tunnel.NewID(), t0)
	mustCreate(t, s, want)
	got := mustGet(t, s, want.ID)
	checkTunnel(t, fmt.Sprintf("Tunnel(%s)", want.ID), got, want)
	if len(got.Tags) != 0 || len(got.Services) != 0 {
		t.Errorf("Tunnel(%s) Tags, Services = %v, %v; want none", want.ID, got.Tags, got.Services)
	}
}

func testCreateDuplicate(t *testing.T, s store.Store) {
	first := newTunnel("dup", t0)
	first.Description = "first"
	mustCreate(t, s, first)
	second := newTunnel("dup", at(time.Minute))
	second.Description = "second"
	second.Tags = tags("k", "v")
	k, tokens := newKeys()
	err := s.CreateTunnel(t.Context(), second, tokens, 0)
	wantErr(t, "CreateTunnel(duplicate id)", err, store.ErrExists)
	checkTunnel(t, "Tunnel(dup) after duplicate create", mustGet(t, s, "dup"), first)
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of rejected duplicate)", err, store.ErrTokenUnknown)
}

func testNotFound(t *testing.T, s store.Store) {
	mustCreate(t, s, newTunnel("present", t0))
	ctx, id, now := t.Context(), "absent", at(time.Minute)
	_, err := s.Tunnel(ctx, id)
	wantErr(t, "Tunnel(absent)", err, store.ErrNotFound)
	_, _, err = s.CloseTunnel(ctx, id, now)
	wantErr(t, "CloseTunnel(absent)", err, store.ErrNotFound)
	wantErr(t, "DeleteTunnel(absent)", s.DeleteTunnel(ctx, id), store.ErrNotFound)
	_, tokens := newKeys()
	_, err = s.RotateTokens(ctx, id, tokens, nil, now)
	wantErr(t, "RotateTokens(absent)", err, store.ErrNotFound)
	err = s.TagTunnel(ctx, id, tags("k", "v"), 50, now)
	wantErr(t, "TagTunnel(absent)", err, store.ErrNotFound)
	wantErr(t, "UntagTunnel(absent)", s.UntagTunnel(ctx, id, []string{"k"}, now), store.ErrNotFound)
	for _, connected := range []bool{true, false} {
		err = s.SetConnState(ctx, id, tunnel.ModeSource, connected, now)
		wantErr(t, fmt.Sprintf("SetConnState(absent, %v)", connected), err, store.ErrNotFound)
	}
}

// createN tries to create a tunnel under quota maxOpen and returns the error.
func createN(t *testing.T, s store.Store, id string, maxOpen int) error {
	_, tokens := newKeys()
	return s.CreateTunnel(t.Context(), newTunnel(id, t0), tokens, maxOpen)
}

func testOpenQuota(t *testing.T, s store.Store) {
	for i := range 2 {
		wantErr(t, fmt.Sprintf("CreateTunnel(open%d, maxOpen 2)", i), createN(t, s, fmt.Sprint("open", i), 2), nil)
	}
	k, tokens := newKeys()
	over := newTunnel("over", t0)
	over.Tags = tags("k", "v")
	err := s.CreateTunnel(t.Context(), over, tokens, 2)
	wantErr(t, "CreateTunnel(third, maxOpen 2)", err, store.ErrLimitExceeded)
	_, err = s.Tunnel(t.Context(), "over")
	wantErr(t, "Tunnel(rejected by quota)", err, store.ErrNotFound)
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", at(time.Minute))
	wantErr(t, "ClaimToken(token of rejected tunnel)", err, store.ErrTokenUnknown)
	wantErr(t, "CreateTunnel(third, maxOpen 3)", createN(t, s, "three", 3), nil)
	for i := range 5 {
		err := createN(t, s, fmt.Sprint("unlimited", i), 0)
		wantErr(t, fmt.Sprintf("CreateTunnel(unlimited%d, maxOpen 0)", i), err, nil)
	}
}

func testQuotaClosedDeleted(t *testing.T, s store.Store) {
	mustCreate(t, s, newTunnel("a", t0))
	mustCreate(t, s, newTunnel("b", t0))
	wantErr(t, "CreateTunnel(c, maxOpen 2)", createN(t, s, "c", 2), store.ErrLimitExceeded)
	mustClose(t, s, "a", at(time.Minute))
	wantErr(t, "CreateTunnel(c, maxOpen 2) after closing a", createN(t, s, "c", 2), nil)
	wantErr(t, "CreateTunnel(d, maxOpen 2)", createN(t, s, "d", 2), store.ErrLimitExceeded)
	wantErr(t, "DeleteTunnel(b)", s.DeleteTunnel(t.Context(), "b"), nil)
	wantErr(t, "CreateTunnel(d, maxOpen 2) after deleting b", createN(t, s, "d", 2), nil)
	if _, err := s.ExpireTunnels(t.Context(), at(2*time.Hour)); err != nil {
		t.Fatalf("ExpireTunnels() = %v, want nil", err)
	}
	wantErr(t, "CreateTunnel(e, maxOpen 1) after expiry", createN(t, s, "e", 1), nil)
}

func testQuotaConcurrent(t *testing.T, s store.Store) {
	const maxOpen, workers, perWorker = 10, 8, 4 // 32 attempts for 10 slots
	mustCreate(t, s, newTunnel("existing", t0))
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		created    int
		unexpected []error
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				err := createN(t, s, fmt.Sprintf("w%d-%d", w, i), maxOpen)
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
		t.Errorf("concurrent CreateTunnel(maxOpen %d) = %v, want nil or ErrLimitExceeded", maxOpen, err)
	}
	if created != maxOpen-1 {
		t.Errorf("concurrent CreateTunnel(maxOpen %d) created %d tunnels, want %d", maxOpen, created, maxOpen-1)
	}
	page, err := s.ListTunnels(t.Context(), store.ListQuery{Limit: 100})
	if err == nil && len(page) != maxOpen {
		t.Errorf("ListTunnels() after concurrent creates = %d tunnels, want %d", len(page), maxOpen)
	}
}
