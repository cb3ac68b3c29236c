package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// mustHeartbeat registers node id with the given lease, or fails the test.
func mustHeartbeat(t *testing.T, s *Store, id string, lease time.Duration) {
	t.Helper()
	n := store.Node{ID: id, Addr: id + ".example:8080", EmbeddedBroker: id == "a"}
	if err := s.Heartbeat(t.Context(), n, lease); err != nil {
		t.Fatalf("Heartbeat(%s) = %v, want nil", id, err)
	}
}

// nodeIDs returns the ids of the live nodes.
func nodeIDs(t *testing.T, s *Store) []string {
	t.Helper()
	nodes, err := s.Nodes(t.Context())
	if err != nil {
		t.Fatalf("Nodes() = %v, want nil", err)
	}
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

// waitFor polls cond every 20 ms for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within 10 s", what)
}

// TestHeartbeatWhilePoolBusy: with every pooled connection taken (API
// calls queueing), the heartbeat still renews the lease at once, on its
// own connection.
func TestHeartbeatWhilePoolBusy(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t)+"&pool_max_conns=1")
	held, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(held.Release) }
	defer release()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := s.Nodes(ctx); err == nil {
		t.Fatal("Nodes answered with the pool's only connection held: the test holds nothing")
	}
	ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Heartbeat(ctx, store.Node{ID: "a", Addr: "a.example:8080"}, time.Minute); err != nil {
		t.Fatalf("Heartbeat with the pool busy = %v, want nil", err)
	}
	release()
	if ids := nodeIDs(t, s); !slices.Equal(ids, []string{"a"}) {
		t.Fatalf("nodes %v after the heartbeat, want [a]", ids)
	}
}

func TestHeartbeatAndLeaseExpiry(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustHeartbeat(t, s, "a", time.Minute)
	mustHeartbeat(t, s, "b", 300*time.Millisecond)
	nodes, err := s.Nodes(t.Context())
	if err != nil || len(nodes) != 2 {
		t.Fatalf("Nodes() = %+v, %v; want a and b", nodes, err)
	}
	a := nodes[0]
	if a.ID != "a" || a.Addr != "a.example:8080" || !a.EmbeddedBroker || a.LeaseUntil.Location() != time.UTC ||
		a.LeaseUntil.Before(time.Now().Add(50*time.Second)) {
		t.Errorf("Nodes()[0] = %+v, want a at a.example:8080 with the embedded broker, lease about a minute ahead in UTC", a)
	}
	waitFor(t, "node b's 300 ms lease to run out", func() bool { return slices.Equal(nodeIDs(t, s), []string{"a"}) })
	mustHeartbeat(t, s, "b", time.Minute) // renews, and updates the address
	if got := nodeIDs(t, s); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Nodes() after b heartbeats again = %q, want [a b]", got)
	}
	if err := s.Heartbeat(t.Context(), store.Node{ID: "c"}, 0); err == nil {
		t.Errorf("Heartbeat(lease 0) = nil, want an error")
	}
}

func TestClaimOwnerRaceHasOneOwner(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	stores := []*Store{mustOpen(t, url), mustOpen(t, url)}
	mustHeartbeat(t, stores[0], "a", time.Minute)
	mustHeartbeat(t, stores[1], "b", time.Minute)
	const rounds, workers = 15, 8
	for r := range rounds {
		id := fmt.Sprint("own-", r)
		mustCreate(t, stores[0], id)
		owners := make([]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				n, err := stores[w%2].ClaimOwner(t.Context(), id, []string{"a", "b"}[w%2])
				if err != nil {
					t.Errorf("round %d: ClaimOwner() = %v, want nil", r, err)
				}
				owners[w] = n.ID
			})
		}
		wg.Wait()
		if owners[0] == "" || slices.ContainsFunc(owners, func(o string) bool { return o != owners[0] }) {
			t.Errorf("round %d: concurrent ClaimOwner() owners = %q, want one node", r, owners)
		}
	}
	a, _ := stores[0].Owned(t.Context(), "a")
	b, _ := stores[0].Owned(t.Context(), "b")
	if len(a)+len(b) != rounds {
		t.Errorf("Owned(a) + Owned(b) = %d + %d tunnels, want %d", len(a), len(b), rounds)
	}
}

func TestClaimOwnerTakesOverFromDeadNode(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustCreate(t, s, "x")
	mustHeartbeat(t, s, "a", 400*time.Millisecond)
	mustHeartbeat(t, s, "b", time.Minute)
	mustClaimOwner(t, s, "x", "a", "a")
	mustClaimOwner(t, s, "x", "b", "a") // a is alive: it stays the owner
	waitFor(t, "node a's lease to run out", func() bool { return slices.Equal(nodeIDs(t, s), []string{"b"}) })
	mustClaimOwner(t, s, "x", "b", "b")
	mustClaimOwner(t, s, "x", "b", "b") // claiming what one owns changes nothing
	if _, err := s.ClaimOwner(t.Context(), "x", "a"); err == nil {
		t.Errorf("ClaimOwner(x, dead node a) = nil, want an error")
	}
	if got, err := s.Owned(t.Context(), "b"); err != nil || !slices.Equal(got, []string{"x"}) {
		t.Errorf("Owned(b) = %q, %v; want [x]", got, err)
	}
}

// mustClaimOwner claims tunnel id for node and checks the owner it gets.
func mustClaimOwner(t *testing.T, s *Store, id, node, want string) {
	t.Helper()
	n, err := s.ClaimOwner(t.Context(), id, node)
	if err != nil || n.ID != want || n.Addr != want+".example:8080" {
		t.Errorf("ClaimOwner(%s, %s) = %+v, %v; want node %s", id, node, n, err, want)
	}
}

func TestClaimOwnerOfClosedOrUnknownTunnel(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustHeartbeat(t, s, "a", time.Minute)
	mustCreate(t, s, "closed")
	if _, _, err := s.CloseTunnel(t.Context(), "closed", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimOwner(t.Context(), "closed", "a"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("ClaimOwner(closed tunnel) = %v, want ErrClosed", err)
	}
	if _, err := s.ClaimOwner(t.Context(), "absent", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimOwner(unknown tunnel) = %v, want ErrNotFound", err)
	}
	mustCreate(t, s, "open")
	if _, err := s.ClaimOwner(t.Context(), "open", "unregistered"); err == nil {
		t.Errorf("ClaimOwner(open, unregistered node) = nil, want an error")
	}
}

func TestCloseAndDeleteReleaseOwnership(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustHeartbeat(t, s, "a", time.Minute)
	for _, id := range []string{"keep", "close", "expire", "delete"} {
		mustCreate(t, s, id)
		mustClaimOwner(t, s, id, "a", "a")
	}
	if _, _, err := s.CloseTunnel(t.Context(), "close", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(t.Context(), `UPDATE tunnels SET expires_at = $1 WHERE id = 'expire'`, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.ExpireTunnels(t.Context(), t0.Add(time.Hour)); err != nil || !slices.Equal(ids, []string{"expire"}) {
		t.Fatalf("ExpireTunnels() = %q, %v; want [expire]", ids, err)
	}
	if err := s.DeleteTunnel(t.Context(), "delete"); err != nil {
		t.Fatal(err)
	}
	var rows []string
	r, err := s.pool.Query(t.Context(), `SELECT tunnel_id FROM tunnel_owners ORDER BY 1`)
	if err == nil {
		for r.Next() {
			var id string
			r.Scan(&id)
			rows = append(rows, id)
		}
		err = r.Err()
	}
	if err != nil || !slices.Equal(rows, []string{"keep"}) {
		t.Errorf("tunnel_owners after close, expiry and delete = %q, %v; want [keep]", rows, err)
	}
}

func TestLeaveReleasesTunnels(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustHeartbeat(t, s, "a", time.Minute)
	mustHeartbeat(t, s, "b", time.Minute)
	for _, id := range []string{"x", "y"} {
		mustCreate(t, s, id)
		mustClaimOwner(t, s, id, "a", "a")
	}
	if got, err := s.Owned(t.Context(), "a"); err != nil || !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("Owned(a) = %q, %v; want [x y]", got, err)
	}
	for range 2 { // leaving twice is fine
		if err := s.Leave(t.Context(), "a"); err != nil {
			t.Fatalf("Leave(a) = %v, want nil", err)
		}
	}
	if got := nodeIDs(t, s); !slices.Equal(got, []string{"b"}) {
		t.Errorf("Nodes() after Leave(a) = %q, want [b]", got)
	}
	if got, err := s.Owned(t.Context(), "a"); err != nil || len(got) != 0 {
		t.Errorf("Owned(a) after Leave = %q, %v; want none", got, err)
	}
	mustClaimOwner(t, s, "x", "b", "b")
}

func TestReapDeadReleasesAndDisconnects(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustHeartbeat(t, s, "dead", 300*time.Millisecond)
	mustHeartbeat(t, s, "live", time.Minute)
	for _, c := range []struct{ id, node string }{{"d1", "dead"}, {"d2", "dead"}, {"l1", "live"}} {
		mustCreate(t, s, c.id)
		mustClaimOwner(t, s, c.id, c.node, c.node)
	}
	connected := t0.Add(time.Minute)
	if err := s.SetConnState(t.Context(), "d1", tunnel.ModeSource, true, connected); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConnState(t.Context(), "l1", tunnel.ModeSource, true, connected); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node dead's lease to run out", func() bool { return slices.Equal(nodeIDs(t, s), []string{"live"}) })
	if ids, err := s.ReapDead(t.Context(), time.Hour, t0.Add(2*time.Minute)); err != nil || len(ids) != 0 {
		t.Errorf("ReapDead(grace 1h) = %q, %v; want none yet", ids, err)
	}
	at := t0.Add(3 * time.Minute)
	ids, err := s.ReapDead(t.Context(), 0, at)
	if err != nil || !slices.Equal(ids, []string{"d1", "d2"}) {
		t.Fatalf("ReapDead(grace 0) = %q, %v; want [d1 d2]", ids, err)
	}
	d1, err := s.Tunnel(t.Context(), "d1")
	if err != nil || d1.Source.Connected || !d1.Source.LastUpdatedAt.Equal(at) || !d1.LastUpdatedAt.Equal(at) {
		t.Errorf("Tunnel(d1) after ReapDead = %+v, %v; want source disconnected at %v", d1.Source, err, at)
	}
	if d2, err := s.Tunnel(t.Context(), "d2"); err != nil || !d2.LastUpdatedAt.Equal(t0) {
		t.Errorf("Tunnel(d2) after ReapDead: LastUpdatedAt %v, %v; want %v (nothing was connected)", d2.LastUpdatedAt, err, t0)
	}
	if l1, err := s.Tunnel(t.Context(), "l1"); err != nil || !l1.Source.Connected {
		t.Errorf("Tunnel(l1) of the live node after ReapDead: connected %v, %v; want true", l1.Source.Connected, err)
	}
	var n int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM nodes WHERE id = 'dead'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("node rows of dead after ReapDead = %d, %v; want 0", n, err)
	}
	if ids, err := s.ReapDead(t.Context(), 0, at); err != nil || len(ids) != 0 {
		t.Errorf("second ReapDead() = %q, %v; want none", ids, err)
	}
	mustClaimOwner(t, s, "d1", "live", "live")
}

// TestTokenCurrent: a token is current until a rotation replaces it (used
// and bound or not), for its own mode only, and not once its tunnel is
// closed; an unknown token is not current.
func TestTokenCurrent(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	ctx := t.Context()
	check := func(what string, h tunnel.TokenHash, m tunnel.Mode, want bool) {
		t.Helper()
		if got, err := s.TokenCurrent(ctx, h, m); err != nil || got != want {
			t.Errorf("%s: TokenCurrent = %v, %v; want %v", what, got, err, want)
		}
	}
	toks := mustCreate(t, s, "t-cur")
	src, dst := toks[0].Hash, toks[1].Hash
	check("new source token", src, tunnel.ModeSource, true)
	check("new destination token", dst, tunnel.ModeDestination, true)
	check("source token as destination", src, tunnel.ModeDestination, false)
	check("unknown token", tunnel.HashToken("nobody's"), tunnel.ModeSource, false)

	if _, err := s.ClaimToken(ctx, src, tunnel.ModeSource, "client-1", t0.Add(time.Minute)); err != nil {
		t.Fatalf("ClaimToken = %v", err)
	}
	check("claimed source token", src, tunnel.ModeSource, true)
	newSrc := store.Token{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeSource}
	if _, err := s.RotateTokens(ctx, "t-cur", []store.Token{newSrc}, nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("RotateTokens = %v", err)
	}
	check("rotated source token (bound, kept as revoked)", src, tunnel.ModeSource, false)
	check("new source token after rotation", newSrc.Hash, tunnel.ModeSource, true)
	check("destination token after a source rotation", dst, tunnel.ModeDestination, true)
	newDst := store.Token{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeDestination}
	if _, err := s.RotateTokens(ctx, "t-cur", []store.Token{newDst}, nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("RotateTokens = %v", err)
	}
	check("rotated unused destination token (deleted)", dst, tunnel.ModeDestination, false)

	if _, _, err := s.CloseTunnel(ctx, "t-cur", t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("CloseTunnel = %v", err)
	}
	check("token of a closed tunnel", newSrc.Hash, tunnel.ModeSource, false)
}
