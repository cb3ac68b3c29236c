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

var claimBehaviours = []behaviour{
	{"ClaimWithoutClientTokenIsSingleUse", testClaimSingleUse},
	{"ClaimWithClientTokenBindsIt", testClaimBinds},
	{"ClaimReturnsTheTunnel", testClaimReturnsTunnel},
	{"ClaimUnknownTokenOrWrongModeFailsWithErrTokenUnknown", testClaimUnknown},
	{"ClaimOnClosedOrExpiredTunnelFailsWithErrClosed", testClaimClosed},
	{"ClaimClientTokenIsUniqueAmongOpenTunnels", testClaimClientTokenInUse},
	{"ClaimConcurrentlyHasExactlyOneWinner", testClaimConcurrent},
	{"ClaimOneClientTokenConcurrentlyBindsOnce", testClaimClientTokenConcurrent},
}

// claimCT claims h for mode m with client token ct at t0 + 1 minute.
func claimCT(t *testing.T, s store.Store, h tunnel.TokenHash, m tunnel.Mode, ct string) error {
	_, err := s.ClaimToken(t.Context(), h, m, ct, at(time.Minute))
	return err
}

func testClaimSingleUse(t *testing.T, s store.Store) {
	k := mustCreate(t, s, newTunnel("c", t0))
	src := tunnel.ModeSource
	wantErr(t, "first ClaimToken(source, no client token)", claimCT(t, s, k.src, src, ""), nil)
	wantErr(t, "second ClaimToken(source, no client token)", claimCT(t, s, k.src, src, ""), store.ErrTokenUsed)
	wantErr(t, "ClaimToken(used source, client token)", claimCT(t, s, k.src, src, "ct"), store.ErrTokenUsed)
	wantErr(t, "ClaimToken(unused destination)", claimCT(t, s, k.dst, tunnel.ModeDestination, ""), nil)
}

func testClaimBinds(t *testing.T, s store.Store) {
	k := mustCreate(t, s, newTunnel("c", t0))
	src := tunnel.ModeSource
	wantErr(t, "ClaimToken(source, ct)", claimCT(t, s, k.src, src, "ct"), nil)
	wantErr(t, "ClaimToken(source, same ct) reconnect", claimCT(t, s, k.src, src, "ct"), nil)
	wantErr(t, "ClaimToken(source, other ct)", claimCT(t, s, k.src, src, "other"), store.ErrClientTokenMismatch)
	wantErr(t, "ClaimToken(source, no ct) after binding", claimCT(t, s, k.src, src, ""), store.ErrTokenUsed)
	wantErr(t, "ClaimToken(source, same ct) after failures", claimCT(t, s, k.src, src, "ct"), nil)
}

func testClaimReturnsTunnel(t *testing.T, s store.Store) {
	want := newTunnel("c", t0)
	want.Services = []string{"SSH", "HTTP"}
	want.Tags = tags("k", "v")
	k := mustCreate(t, s, want)
	for _, m := range tunnel.Modes {
		h := map[tunnel.Mode]tunnel.TokenHash{tunnel.ModeSource: k.src, tunnel.ModeDestination: k.dst}[m]
		c, err := s.ClaimToken(t.Context(), h, m, "ct-"+m.String(), at(time.Minute))
		if err != nil {
			t.Fatalf("ClaimToken(%v) = %v, want nil", m, err)
		}
		if c.Mode != m {
			t.Errorf("ClaimToken(%v).Mode = %v, want %v", m, c.Mode, m)
		}
		checkTunnel(t, fmt.Sprintf("ClaimToken(%v).Tunnel", m), c.Tunnel, want)
	}
}

func testClaimUnknown(t *testing.T, s store.Store) {
	k := mustCreate(t, s, newTunnel("c", t0))
	unknown := tunnel.HashToken(tunnel.NewToken())
	wantErr(t, "ClaimToken(unknown hash)", claimCT(t, s, unknown, tunnel.ModeSource, ""), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(source token as destination)", claimCT(t, s, k.src, tunnel.ModeDestination, ""), store.ErrTokenUnknown)
	wantErr(t, "ClaimToken(destination token as source)", claimCT(t, s, k.dst, tunnel.ModeSource, "ct"), store.ErrTokenUnknown)
	// The failed claims consumed nothing.
	wantErr(t, "ClaimToken(source) after mode mismatch", claimCT(t, s, k.src, tunnel.ModeSource, ""), nil)
	wantErr(t, "ClaimToken(destination) after mode mismatch", claimCT(t, s, k.dst, tunnel.ModeDestination, ""), nil)
}

func testClaimClosed(t *testing.T, s store.Store) {
	closed := mustCreate(t, s, newTunnel("closed", t0))
	mustClose(t, s, "closed", at(30*time.Second))
	wantErr(t, "ClaimToken(closed tunnel)", claimCT(t, s, closed.src, tunnel.ModeSource, ""), store.ErrClosed)
	wantErr(t, "ClaimToken(closed tunnel, ct)", claimCT(t, s, closed.dst, tunnel.ModeDestination, "ct"), store.ErrClosed)
	tn := newTunnel("expiring", t0)
	k := mustCreate(t, s, tn)
	_, err := s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", tn.ExpiresAt)
	wantErr(t, "ClaimToken(at == ExpiresAt)", err, store.ErrClosed)
	_, err = s.ClaimToken(t.Context(), k.src, tunnel.ModeSource, "", tn.ExpiresAt.Add(-time.Millisecond))
	wantErr(t, "ClaimToken(1ms before ExpiresAt)", err, nil)
}

func testClaimClientTokenInUse(t *testing.T, s store.Store) {
	a := mustCreate(t, s, newTunnel("a", t0))
	b := mustCreate(t, s, newTunnel("b", t0))
	src, dst := tunnel.ModeSource, tunnel.ModeDestination
	wantErr(t, "ClaimToken(a source, ct)", claimCT(t, s, a.src, src, "ct"), nil)
	wantErr(t, "ClaimToken(b source, ct held by a)", claimCT(t, s, b.src, src, "ct"), store.ErrClientTokenInUse)
	wantErr(t, "ClaimToken(a destination, ct held by a source)", claimCT(t, s, a.dst, dst, "ct"), store.ErrClientTokenInUse)
	// The refused claim left b's source token unused.
	wantErr(t, "ClaimToken(b source, other ct)", claimCT(t, s, b.src, src, "other"), nil)
	mustClose(t, s, "a", at(30*time.Second))
	wantErr(t, "ClaimToken(b destination, ct) after a closed", claimCT(t, s, b.dst, dst, "ct"), nil)

	// A tunnel whose lifetime ran out no longer holds its client tokens,
	// even before the expiry sweep.
	c := newTunnel("c", t0)
	c.ExpiresAt = at(2 * time.Minute)
	kc := mustCreate(t, s, c)
	d := mustCreate(t, s, newTunnel("d", t0))
	wantErr(t, "ClaimToken(c source, ct2)", claimCT(t, s, kc.src, src, "ct2"), nil)
	_, err := s.ClaimToken(t.Context(), d.src, src, "ct2", c.ExpiresAt)
	wantErr(t, "ClaimToken(d source, ct2 held by expired c)", err, nil)
}

func testClaimConcurrent(t *testing.T, s store.Store) {
	const workers = 8
	for _, tc := range []struct {
		ct   string
		lose error
	}{{"", store.ErrTokenUsed}, {"distinct", store.ErrClientTokenMismatch}} {
		ct := tc.ct
		k := mustCreate(t, s, newTunnel(tunnel.NewID(), t0))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
			errs []error
		)
		for w := range workers {
			wg.Go(func() {
				c := ct
				if c != "" {
					c = fmt.Sprint(ct, w)
				}
				err := claimCT(t, s, k.src, tunnel.ModeSource, c)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if !errors.Is(err, tc.lose) {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d concurrent ClaimToken(client token %q...) = %d winners, want 1", workers, ct, wins)
		}
		for _, err := range errs {
			t.Errorf("concurrent ClaimToken(client token %q...) = %v, want nil or %v", ct, err, tc.lose)
		}
	}
}

func testClaimClientTokenConcurrent(t *testing.T, s store.Store) {
	const workers = 8
	hashes := make([]tunnel.TokenHash, workers)
	for w := range workers {
		hashes[w] = mustCreate(t, s, newTunnel(tunnel.NewID(), t0)).src
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			err := claimCT(t, s, hashes[w], tunnel.ModeSource, "shared")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if !errors.Is(err, store.ErrClientTokenInUse) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent ClaimToken(own token, same client token) = %d winners, want 1", workers, wins)
	}
	for _, err := range errs {
		t.Errorf("concurrent ClaimToken(own token, same client token) = %v, want nil or ErrClientTokenInUse", err)
	}
}
