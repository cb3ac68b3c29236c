// Package storemetrics times the operations of any store.Store for
// Prometheus: Metrics.Wrap returns a store that records the duration of
// every call in adit_store_operation_duration_seconds{operation} and
// otherwise behaves exactly like the store it wraps. A store that also
// implements store.Cluster (a shared store) stays one: the wrapper
// implements and times the Cluster methods too, so callers that type-assert
// store.Cluster on the wrapped value find it. Unwrap returns the store
// underneath.
package storemetrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/adit-project/adit/internal/store"
)

// op is a timed operation; its label is opNames[op].
type op int

const (
	opCreateTunnel op = iota
	opTunnel
	opListTunnels
	opCloseTunnel
	opDeleteTunnel
	opRotateTokens
	opTagTunnel
	opUntagTunnel
	opClaimToken
	opSetConnState
	opExpireTunnels
	opNextExpiry
	opPurgeClosed
	opHeartbeat // the store.Cluster operations from here on
	opLeave
	opNodes
	opClaimOwner
	opOwned
	opReapDead
	opTokenCurrent
	numOps
	numStoreOps = opHeartbeat
)

// opNames are the operation labels: the method names.
var opNames = [numOps]string{
	"CreateTunnel", "Tunnel", "ListTunnels", "CloseTunnel", "DeleteTunnel", "RotateTokens",
	"TagTunnel", "UntagTunnel", "ClaimToken", "SetConnState", "ExpireTunnels", "NextExpiry",
	"PurgeClosed", "Heartbeat", "Leave", "Nodes", "ClaimOwner", "Owned", "ReapDead",
	"TokenCurrent",
}

// buckets span an in-process SQLite read (tens of microseconds) to a
// database round trip held up by contention.
var buckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// Metrics is the operation-duration histogram; it is a
// prometheus.Collector. One Metrics may wrap several stores (they share
// the series).
type Metrics struct {
	hist        *prometheus.HistogramVec
	obs         [numOps]prometheus.Observer
	clusterOnce sync.Once // resolves the Cluster operations' series
}

// New returns an empty Metrics.
func New() *Metrics {
	m := &Metrics{hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "adit_store_operation_duration_seconds",
		Help:    "Duration of store calls, by operation (errors included).",
		Buckets: buckets,
	}, []string{"operation"})}
	m.resolve(0, numStoreOps)
	return m
}

// resolve creates the series of operations [from, to); the Cluster ones
// exist only once a Cluster is wrapped, so an embedded store exposes none.
func (m *Metrics) resolve(from, to op) {
	for o := from; o < to; o++ {
		m.obs[o] = m.hist.WithLabelValues(opNames[o])
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.hist.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.hist.Collect(ch) }

// Wrap returns st with every call timed. When st implements
// store.Cluster, so does the result.
func (m *Metrics) Wrap(st store.Store) store.Store {
	s := &Store{st: st, m: m}
	if cl, ok := st.(store.Cluster); ok {
		m.clusterOnce.Do(func() { m.resolve(opHeartbeat, numOps) })
		return &clusterStore{Store: s, cl: cl}
	}
	return s
}

// since records an operation that started at start; deferred with
// time.Now() as its argument it times the whole call.
func (m *Metrics) since(o op, start time.Time) {
	m.obs[o].Observe(time.Since(start).Seconds())
}

// Unwrap returns the store under any number of storemetrics wrappers, or
// st itself when it is not one.
func Unwrap(st store.Store) store.Store {
	for {
		w, ok := st.(interface{ Unwrap() store.Store })
		if !ok {
			return st
		}
		st = w.Unwrap()
	}
}
