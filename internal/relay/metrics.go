package relay

import (
	"bufio"
	"fmt"
	"io"
	"sync/atomic"

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

// metrics are the Server's counters. Hot-path counters are added once per
// read batch, not per message.
type metrics struct {
	accepted     atomic.Uint64
	peers        [2][3]atomic.Int64 // [modeIndex][version-1]
	relayedMsgs  [2]atomic.Uint64   // by sender's modeIndex
	relayedBytes [2]atomic.Uint64
	dropped      atomic.Uint64
	violations   [32]atomic.Uint64 // by ruleIndex
	rejections   [32]atomic.Uint64 // by rejectionIndex
	closes       [len(closeKindNames)]atomic.Uint64
}

func (m *metrics) violation(r wire.Rule) {
	if i, ok := ruleIndex[r]; ok {
		m.violations[i].Add(1)
	}
}

func (m *metrics) rejected(r *rejection) { m.rejections[rejectionIndex[r]].Add(1) }

// WriteMetrics writes the relay's metrics in the Prometheus text
// exposition format (version 0.0.4).
func (s *Server) WriteMetrics(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := &s.met
	family(bw, "adit_relay_active_tunnels", "gauge", "Tunnels with at least one attached peer.")
	fmt.Fprintf(bw, "adit_relay_active_tunnels %d\n", s.hub.count())
	family(bw, "adit_relay_peers", "gauge", "Attached peers by mode and protocol version.")
	for i, mode := range tunnel.Modes {
		for v := range 3 {
			fmt.Fprintf(bw, "adit_relay_peers{mode=%q,protocol_version=\"%d\"} %d\n", mode.String(), v+1, m.peers[i][v].Load())
		}
	}
	family(bw, "adit_relay_handshakes_accepted_total", "counter", "Upgrades answered with 101.")
	fmt.Fprintf(bw, "adit_relay_handshakes_accepted_total %d\n", m.accepted.Load())
	family(bw, "adit_relay_handshakes_rejected_total", "counter", "Upgrades refused, by reason.")
	for i, r := range rejectionsByMetrics {
		fmt.Fprintf(bw, "adit_relay_handshakes_rejected_total{reason=%q,code=\"%d\"} %d\n", r.label, r.status, m.rejections[i].Load())
	}
	family(bw, "adit_relay_relayed_messages_total", "counter", "Tunnel messages relayed, by direction.")
	for i, d := range directionNames {
		fmt.Fprintf(bw, "adit_relay_relayed_messages_total{direction=%q} %d\n", d, m.relayedMsgs[i].Load())
	}
	family(bw, "adit_relay_relayed_bytes_total", "counter", "Bytes of tunnel frames (length prefix included) relayed, by direction.")
	for i, d := range directionNames {
		fmt.Fprintf(bw, "adit_relay_relayed_bytes_total{direction=%q} %d\n", d, m.relayedBytes[i].Load())
	}
	family(bw, "adit_relay_absent_peer_dropped_messages_total", "counter", "Tunnel messages not relayed because the other peer was absent (starts are answered with a reset).")
	fmt.Fprintf(bw, "adit_relay_absent_peer_dropped_messages_total %d\n", m.dropped.Load())
	family(bw, "adit_relay_protocol_violations_total", "counter", "Peers closed with 1002, by broken rule.")
	for i, r := range knownRules {
		fmt.Fprintf(bw, "adit_relay_protocol_violations_total{rule=%q} %d\n", string(r), m.violations[i].Load())
	}
	family(bw, "adit_relay_peer_closes_total", "counter", "Peers closed, by reason.")
	for i, n := range closeKindNames {
		fmt.Fprintf(bw, "adit_relay_peer_closes_total{reason=%q} %d\n", n, m.closes[i].Load())
	}
	return bw.Flush()
}

func family(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}
