package relay

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// knownRules are the rules a peer can break, in metrics order.
var knownRules = []wire.Rule{
	wire.RuleTypeZero, wire.RuleServiceOnlyType, wire.RuleSourceOnlyType, wire.RuleStreamIDZero,
	wire.RulePayloadTooLarge, wire.RuleUnknownType, wire.RuleUnexpectedField, wire.RuleMalformed,
	wire.RuleUnknownService, wire.RuleServiceNotStarted, wire.RuleMixedServiceIDs,
	wire.RuleMixedConnectionIDs, wire.RuleFrameTooLarge, wire.RuleTextFrame, wire.RuleZeroLength,
	wire.RuleTruncatedFrameAtEOF, ruleWebSocket,
}

var ruleIndex = func() map[wire.Rule]int {
	m := make(map[wire.Rule]int, len(knownRules))
	for i, r := range knownRules {
		m[r] = i
	}
	return m
}()

var rejectionIndex = func() map[*rejection]int {
	m := make(map[*rejection]int, len(rejectionsByMetrics))
	for i, r := range rejectionsByMetrics {
		m[r] = i
	}
	return m
}()

// directionNames label relayed traffic by the sender's modeIndex.
var directionNames = [2]string{"source_to_destination", "destination_to_source"}

// handshakeOutcome labels adit_relay_handshake_duration_seconds.
type handshakeOutcome int

const (
	handshakeAccepted handshakeOutcome = iota // 101 written
	handshakeRejected                         // refused with an HTTP response (D1)
	handshakeFailed                           // claimed and attached, but the 101 could not be written
	handshakeRecorded                         // timed already (an upgrade), or not timed (handed to the owner node: it lasts as long as the connection)
)

var handshakeOutcomeNames = [...]string{"accepted", "rejected", "failed"}

// handshakeBuckets span a handshake without a store round trip (well
// under a millisecond) to one held up by a slow store (HandshakeTimeout).
var handshakeBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// metrics are the Server's counters, read by the collector at scrape time.
// Hot-path counters are plain atomics added once per read batch, not per
// message; nothing on the data path touches the Prometheus library.
type metrics struct {
	accepted     atomic.Uint64
	peers        [2][3]atomic.Int64 // [modeIndex][version-1]
	relayedMsgs  [2]atomic.Uint64   // by sender's modeIndex
	relayedBytes [2]atomic.Uint64
	dropped      atomic.Uint64
	violations   [32]atomic.Uint64 // by ruleIndex
	rejections   [32]atomic.Uint64 // by rejectionIndex
	closes       [len(closeKindNames)]atomic.Uint64

	handshakes   *prometheus.HistogramVec
	handshakeObs [len(handshakeOutcomeNames)]prometheus.Observer
}

// init creates the handshake histogram (the atomics need no setup).
func (m *metrics) init() {
	m.handshakes = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "adit_relay_handshake_duration_seconds",
		Help:    "Time from an upgrade request to its 101 or refusal, by outcome.",
		Buckets: handshakeBuckets,
	}, []string{"outcome"})
	for i, n := range handshakeOutcomeNames {
		m.handshakeObs[i] = m.handshakes.WithLabelValues(n)
	}
}

func (m *metrics) violation(r wire.Rule) {
	if i, ok := ruleIndex[r]; ok {
		m.violations[i].Add(1)
	}
}

func (m *metrics) rejected(r *rejection) { m.rejections[rejectionIndex[r]].Add(1) }

// handshakeDone records the duration of a handshake that began at start.
func (m *metrics) handshakeDone(start time.Time, o handshakeOutcome) {
	if int(o) >= len(m.handshakeObs) {
		return
	}
	m.handshakeObs[o].Observe(time.Since(start).Seconds())
}

// Collector returns the relay's metrics as a Prometheus collector. The
// counters are read when it is collected, so the data path pays nothing
// for them.
func (s *Server) Collector() prometheus.Collector { return collector{s} }

// The relay's metric families; the names, types and labels are those the
// server exposed before it used the Prometheus library.
var (
	descActiveTunnels = prometheus.NewDesc("adit_relay_active_tunnels", "Tunnels with at least one attached peer.", nil, nil)
	descPeers         = prometheus.NewDesc("adit_relay_peers", "Attached peers by mode and protocol version.", []string{"mode", "protocol_version"}, nil)
	descAccepted      = prometheus.NewDesc("adit_relay_handshakes_accepted_total", "Upgrades answered with 101.", nil, nil)
	descRejected      = prometheus.NewDesc("adit_relay_handshakes_rejected_total", "Upgrades refused, by reason.", []string{"reason", "code"}, nil)
	descRelayedMsgs   = prometheus.NewDesc("adit_relay_relayed_messages_total", "Tunnel messages relayed, by direction.", []string{"direction"}, nil)
	descRelayedBytes  = prometheus.NewDesc("adit_relay_relayed_bytes_total", "Bytes of tunnel frames (length prefix included) relayed, by direction.", []string{"direction"}, nil)
	descDropped       = prometheus.NewDesc("adit_relay_absent_peer_dropped_messages_total", "Tunnel messages not relayed because the other peer was absent (starts are answered with a reset).", nil, nil)
	descViolations    = prometheus.NewDesc("adit_relay_protocol_violations_total", "Peers closed with 1002, by broken rule.", []string{"rule"}, nil)
	descCloses        = prometheus.NewDesc("adit_relay_peer_closes_total", "Peers closed, by reason.", []string{"reason"}, nil)
)

// collector reads a Server's metrics at scrape time.
type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descActiveTunnels, descPeers, descAccepted, descRejected,
		descRelayedMsgs, descRelayedBytes, descDropped, descViolations, descCloses} {
		ch <- d
	}
	c.s.met.handshakes.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m := &c.s.met
	ch <- prometheus.MustNewConstMetric(descActiveTunnels, prometheus.GaugeValue, float64(c.s.hub.count()))
	for i, mode := range tunnel.Modes {
		for v := range 3 {
			ch <- prometheus.MustNewConstMetric(descPeers, prometheus.GaugeValue, float64(m.peers[i][v].Load()), mode.String(), strconv.Itoa(v+1))
		}
	}
	ch <- counter(descAccepted, m.accepted.Load())
	for i, r := range rejectionsByMetrics {
		ch <- counter(descRejected, m.rejections[i].Load(), r.label, strconv.Itoa(r.status))
	}
	for i, d := range directionNames {
		ch <- counter(descRelayedMsgs, m.relayedMsgs[i].Load(), d)
		ch <- counter(descRelayedBytes, m.relayedBytes[i].Load(), d)
	}
	ch <- counter(descDropped, m.dropped.Load())
	for i, r := range knownRules {
		ch <- counter(descViolations, m.violations[i].Load(), string(r))
	}
	for i, n := range closeKindNames {
		ch <- counter(descCloses, m.closes[i].Load(), n)
	}
	m.handshakes.Collect(ch)
}

func counter(d *prometheus.Desc, v uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}
