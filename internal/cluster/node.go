package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Defaults of Config.
const (
	DefaultLease     = 3 * time.Second
	DefaultReconcile = 5 * time.Second
)

// Relay is what the node needs of the local relay.
type Relay interface {
	// ServeHTTP serves the upgrades other nodes forward over links.
	http.Handler
	CloseTunnel(id string, expired bool)
	Revoke(id string, m tunnel.Mode)
	Release(id string)
	Tunnels() []string
}

// Config configures a Node.
type Config struct {
	// NodeID names this node; Advertise is where other nodes reach its
	// data-plane listener (host:port). Start may set them instead.
	NodeID    string
	Advertise string
	// Secret authenticates links and forwarded upgrades. Empty: this
	// node neither forwards nor accepts forwarded peers (peers reaching it
	// for a tunnel another node relays get 503).
	Secret []byte
	// DialTLS, when set, is used to reach other nodes (their listeners
	// speak TLS).
	DialTLS *tls.Config
	// RequireClientCert: a link from another node must also arrive over
	// TLS with a client certificate the listener verified (mutual TLS
	// between nodes, beside the secret).
	RequireClientCert bool
	// Store is the shared store; Tunnels reads tunnels from it.
	Store   store.Cluster
	Tunnels store.Store
	// EmbeddedBroker: this node runs its own MQTT broker, which is refused
	// when other nodes are alive (their devices would not hear it).
	EmbeddedBroker bool
	// Lease is how long the node counts as alive after a heartbeat
	// (default 3 s; it heartbeats every third of it). Reconcile is the
	// period of the fallback check of local tunnels against the store
	// (default 5 s).
	Lease     time.Duration
	Reconcile time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Node is this process's membership of the cluster. It implements
// relay.Cluster.
type Node struct {
	cfg        Config
	log        *slog.Logger
	relay      Relay
	forwarding atomic.Int64 // forwarded connections being copied
	forwards   [len(forwardResults)]atomic.Uint64
	links      links   // to other nodes
	inbound    inbound // from other nodes

	stop  context.CancelFunc
	loops sync.WaitGroup // heartbeat, reap, watch, reconcile
	wg    sync.WaitGroup // links' goroutines
	once  sync.Once
}

// New validates cfg. The node does nothing until Start.
func New(cfg Config) (*Node, error) {
	if cfg.Store == nil || cfg.Tunnels == nil {
		return nil, errors.New("cluster: Store and Tunnels are required")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Reconcile <= 0 {
		cfg.Reconcile = DefaultReconcile
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Node{cfg: cfg, log: cfg.Logger}, nil
}

// Start registers the node as id (when Config.NodeID is empty) reachable
// at advertise (when Config.Advertise is empty), refuses to join when an
// embedded MQTT broker would split the cluster's notifications, and
// starts the heartbeat, watch and reconcile loops, which act on r.
func (n *Node) Start(ctx context.Context, r Relay, id, advertise string) error {
	if n.cfg.NodeID == "" {
		n.cfg.NodeID = id
	}
	if n.cfg.Advertise == "" {
		n.cfg.Advertise = advertise
	}
	if n.cfg.NodeID == "" || n.cfg.Advertise == "" {
		return errors.New("cluster: node id and advertised address are required")
	}
	n.relay = r
	n.log = n.log.With("node_id", n.cfg.NodeID)
	me := store.Node{ID: n.cfg.NodeID, Addr: n.cfg.Advertise, EmbeddedBroker: n.cfg.EmbeddedBroker}
	if err := n.cfg.Store.Heartbeat(ctx, me, n.cfg.Lease); err != nil {
		return fmt.Errorf("cluster: register node: %w", err)
	}
	if err := n.checkBrokers(ctx); err != nil {
		n.cfg.Store.Leave(ctx, n.cfg.NodeID)
		return err
	}
	n.serveLinks(r)
	loops, stop := context.WithCancel(context.Background())
	n.stop = stop
	n.loops.Go(func() { n.heartbeat(loops, me) })
	n.loops.Go(func() { n.reap(loops) })
	n.loops.Go(func() { n.watch(loops) })
	n.loops.Go(func() { n.reconcileLoop(loops) })
	n.log.Info("cluster node started", "advertise", n.cfg.Advertise, "lease", n.cfg.Lease)
	return nil
}

// checkBrokers refuses an embedded MQTT broker beside another live node
// that runs one too (devices subscribed to one would never hear the
// other), and warns when only one of them does.
func (n *Node) checkBrokers(ctx context.Context) error {
	nodes, err := n.cfg.Store.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("cluster: list nodes: %w", err)
	}
	for _, o := range nodes {
		switch {
		case o.ID == n.cfg.NodeID:
		case n.cfg.EmbeddedBroker && o.EmbeddedBroker:
			return fmt.Errorf("cluster: node %q (%s) already runs an embedded MQTT broker on this database; several nodes need one external broker (--mqtt-url)", o.ID, o.Addr)
		case n.cfg.EmbeddedBroker || o.EmbeddedBroker:
			n.log.Warn("a node of this cluster runs an embedded MQTT broker: devices connected to it do not hear notifications sent by other nodes; use one external broker (--mqtt-url)", "other_node", o.ID)
		}
	}
	return nil
}

// Stop ends the loops and leaves the cluster: the tunnels this node owns
// are released at once, so their peers, reconnecting elsewhere once the
// relay closes them, need not wait for the lease to run out. Call it
// before the relay's Shutdown.
func (n *Node) Stop(ctx context.Context) error {
	var err error
	n.once.Do(func() {
		if n.stop != nil {
			n.stop()
		}
		n.loops.Wait()
		if err = n.cfg.Store.Leave(ctx, n.cfg.NodeID); err != nil {
			err = fmt.Errorf("cluster: leave: %w", err)
		}
	})
	return err
}

// Close ends the links to and from other nodes, and with them every
// forwarded peer they still carry. Call it after the relay's Shutdown, so
// that the peers forwarded here got their close first.
func (n *Node) Close() {
	n.closeLinks()
	n.closeInbound()
	n.wg.Wait()
}
