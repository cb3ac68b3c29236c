package storemetrics_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/adit-project/adit/internal/metricstest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/sqlitestore"
	"github.com/adit-project/adit/internal/store/storemetrics"
	"github.com/adit-project/adit/internal/store/storetest"
	"github.com/adit-project/adit/internal/tunnel"
)

const family = "adit_store_operation_duration_seconds"

func openSQLite(t *testing.T) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "tunneld.db"))
	if err != nil {
		t.Fatalf("sqlitestore.Open() = %v, want nil", err)
	}
	return s
}

// counts returns the observations per operation label.
func counts(t *testing.T, m *storemetrics.Metrics) map[string]uint64 {
	t.Helper()
	got := map[string]uint64{}
	for _, s := range metricstest.ParseString(t, metricstest.Text(t, m))[family].GetMetric() {
		got[label(s, "operation")] = s.GetHistogram().GetSampleCount()
	}
	return got
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestConformance: a wrapped store passes the store contract, and its
// calls are counted.
func TestConformance(t *testing.T) {
	m := storemetrics.New()
	storetest.Run(t, func(t *testing.T) store.Store { return m.Wrap(openSQLite(t)) })
	got := counts(t, m)
	for _, op := range []string{"CreateTunnel", "Tunnel", "ListTunnels", "CloseTunnel", "DeleteTunnel", "RotateTokens",
		"TagTunnel", "UntagTunnel", "ClaimToken", "SetConnState", "ExpireTunnels", "NextExpiry", "PurgeClosed"} {
		if got[op] == 0 {
			t.Errorf("%s{operation=%q} counted nothing after the conformance suite", family, op)
		}
	}
	if _, ok := got["Heartbeat"]; ok {
		t.Errorf("an embedded store exposes Cluster operations: %v", got)
	}
}

func TestErrorsPassThroughAndAreTimed(t *testing.T) {
	m := storemetrics.New()
	st := m.Wrap(openSQLite(t))
	defer st.Close()
	if _, err := st.Tunnel(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Tunnel(nope) = %v, want ErrNotFound", err)
	}
	if got := counts(t, m)["Tunnel"]; got != 1 {
		t.Errorf("Tunnel observations = %d, want 1", got)
	}
	out := metricstest.Text(t, m)
	if !strings.Contains(out, "# TYPE "+family+" histogram\n") {
		t.Errorf("no histogram family:\n%s", out)
	}
}

func TestUnwrap(t *testing.T) {
	inner := openSQLite(t)
	defer inner.Close()
	m := storemetrics.New()
	if got := storemetrics.Unwrap(m.Wrap(m.Wrap(inner))); got != store.Store(inner) {
		t.Errorf("Unwrap(Wrap(Wrap(s))) = %T, want the inner store", got)
	}
	if got := storemetrics.Unwrap(inner); got != store.Store(inner) {
		t.Errorf("Unwrap(s) = %T, want s", got)
	}
	if _, ok := m.Wrap(inner).(store.Cluster); ok {
		t.Error("a wrapped sqlitestore claims to implement store.Cluster")
	}
}

// clusterFake is a shared store: a SQLite store plus Cluster methods that
// record their calls (the PostgreSQL store is not needed to test that the
// wrapper keeps the interface).
type clusterFake struct {
	*sqlitestore.Store
	calls []string
}

func (c *clusterFake) Heartbeat(ctx context.Context, n store.Node, lease time.Duration) error {
	c.calls = append(c.calls, "Heartbeat:"+n.ID)
	return nil
}
func (c *clusterFake) Leave(ctx context.Context, id string) error {
	c.calls = append(c.calls, "Leave:"+id)
	return nil
}
func (c *clusterFake) Nodes(ctx context.Context) ([]store.Node, error) {
	c.calls = append(c.calls, "Nodes")
	return []store.Node{{ID: "n1"}}, nil
}
func (c *clusterFake) ClaimOwner(ctx context.Context, tunnelID, nodeID string) (store.Node, error) {
	c.calls = append(c.calls, "ClaimOwner:"+tunnelID+":"+nodeID)
	return store.Node{}, store.ErrClosed
}
func (c *clusterFake) Owned(ctx context.Context, nodeID string) ([]string, error) {
	c.calls = append(c.calls, "Owned:"+nodeID)
	return []string{"t1"}, nil
}
func (c *clusterFake) TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error) {
	c.calls = append(c.calls, "TokenCurrent:"+m.String())
	return true, nil
}
func (c *clusterFake) ReapDead(ctx context.Context, grace time.Duration, at time.Time) ([]string, error) {
	c.calls = append(c.calls, "ReapDead")
	return nil, nil
}
func (c *clusterFake) Watch(ctx context.Context, fn func(store.Change)) error {
	c.calls = append(c.calls, "Watch")
	fn(store.Change{Kind: store.ChangeResync})
	return nil
}

func TestClusterIsKeptAndTimed(t *testing.T) {
	fake := &clusterFake{Store: openSQLite(t)}
	m := storemetrics.New()
	st := m.Wrap(fake)
	defer st.Close()
	cl, ok := st.(store.Cluster)
	if !ok {
		t.Fatalf("Wrap(cluster store) = %T, does not implement store.Cluster", st)
	}
	ctx := t.Context()
	cl.Heartbeat(ctx, store.Node{ID: "n1"}, time.Second)
	cl.Leave(ctx, "n2")
	if nodes, _ := cl.Nodes(ctx); len(nodes) != 1 || nodes[0].ID != "n1" {
		t.Errorf("Nodes() = %v, want [n1]", nodes)
	}
	if _, err := cl.ClaimOwner(ctx, "t1", "n1"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("ClaimOwner() = %v, want ErrClosed", err)
	}
	if ids, _ := cl.Owned(ctx, "n1"); len(ids) != 1 {
		t.Errorf("Owned() = %v, want [t1]", ids)
	}
	cl.ReapDead(ctx, time.Second, time.Now())
	if cur, _ := cl.TokenCurrent(ctx, tunnel.HashToken("t"), tunnel.ModeSource); !cur {
		t.Error("TokenCurrent() = false, want the wrapped store's true")
	}
	var changes []store.Change
	cl.Watch(ctx, func(c store.Change) { changes = append(changes, c) })
	if len(changes) != 1 || changes[0].Kind != store.ChangeResync {
		t.Errorf("Watch delivered %v, want one resync", changes)
	}
	want := "Heartbeat:n1 Leave:n2 Nodes ClaimOwner:t1:n1 Owned:n1 ReapDead TokenCurrent:source Watch"
	if got := strings.Join(fake.calls, " "); got != want {
		t.Errorf("calls = %q, want %q", got, want)
	}
	got := counts(t, m)
	for _, op := range []string{"Heartbeat", "Leave", "Nodes", "ClaimOwner", "Owned", "ReapDead", "TokenCurrent"} {
		if got[op] != 1 {
			t.Errorf("%s observations = %d, want 1", op, got[op])
		}
	}
	if _, ok := got["Watch"]; ok {
		t.Error("Watch is timed; it runs for the life of the node")
	}
	if storemetrics.Unwrap(st) != store.Store(fake) {
		t.Error("Unwrap does not return the cluster store")
	}
}
