package store

import (
	"context"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// Node is one tunneld process of a cluster, as registered in the shared
// store.
type Node struct {
	// ID names the node (tunneld --node-id); unique in the cluster.
	ID string
	// Addr is host:port where other nodes reach the node's ordinary
	// listener (tunneld --cluster-advertise).
	Addr string
	// EmbeddedBroker is true when the node runs its own MQTT broker.
	EmbeddedBroker bool
	// LeaseUntil is when the node counts as dead unless it heartbeats
	// again (the database's clock).
	LeaseUntil time.Time
}

// ChangeKind says what happened to a tunnel in a Change.
type ChangeKind int

// Kinds of Change.
const (
	// ChangeClosed: the tunnel was closed (CloseTunnel or expiry).
	ChangeClosed ChangeKind = iota + 1
	// ChangeRotated: the tokens of Modes were replaced.
	ChangeRotated
	// ChangeResync: notifications may have been missed (the listening
	// connection was re-established); the receiver reconciles its state
	// with the store. TunnelID and Modes are empty.
	ChangeResync
)

// Change is one committed change that every node must act on.
type Change struct {
	Kind     ChangeKind
	TunnelID string
	Modes    []tunnel.Mode // for ChangeRotated
}

// Cluster is implemented by a store that several tunneld nodes share
// (pgstore); an embedded store (sqlitestore) does not implement it. Times
// of leases come from the store's clock, so that nodes whose clocks
// differ agree on who is alive.
type Cluster interface {
	// Heartbeat registers node n (or renews it) with a lease of the given
	// length from now; n.LeaseUntil is ignored.
	Heartbeat(ctx context.Context, n Node, lease time.Duration) error
	// Leave removes node id and releases every tunnel it owns (a draining
	// node; peers that reconnect elsewhere find no owner and claim it).
	Leave(ctx context.Context, id string) error
	// Nodes returns the nodes whose lease has not run out.
	Nodes(ctx context.Context) ([]Node, error)
	// ClaimOwner returns the owner of tunnel tunnelID: the node that owns
	// it already, if that node is alive, else node nodeID, which becomes
	// the owner. Atomic across nodes: two concurrent claims agree on one
	// owner. A closed or unknown tunnel is ErrClosed or ErrNotFound.
	ClaimOwner(ctx context.Context, tunnelID, nodeID string) (Node, error)
	// TokenCurrent reports whether h is a token of mode m that no rotation
	// replaced, of a tunnel that is not closed. An owner asks it for a
	// peer another node claimed, after remembering its own revocations, so
	// that a rotation committed between that claim and the attach is not
	// missed.
	TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error)
	// Owned returns the ids of the open tunnels node nodeID owns.
	Owned(ctx context.Context, nodeID string) ([]string, error)
	// ReapDead releases the tunnels owned by nodes whose lease ran out
	// more than grace ago, records both their connection states as
	// disconnected at time at, removes those nodes and returns the
	// released tunnel ids.
	ReapDead(ctx context.Context, grace time.Duration, at time.Time) ([]string, error)
	// Watch calls fn for every Change committed by any node (its own
	// included: CloseTunnel, RotateTokens and ExpireTunnels publish them in
	// the same transaction as the write) until ctx ends, re-establishing
	// its connection as needed (then fn gets a ChangeResync). fn runs on
	// one goroutine, in commit order, and must not block for long. Watch
	// returns nil when ctx ends.
	Watch(ctx context.Context, fn func(Change)) error
}
