package relay

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/metricstest"
)

// scrape returns the relay's metrics in the text exposition format,
// gathered through a pedantic registry (which checks that what is
// collected matches what is described).
func scrape(t *testing.T, s *Server) string {
	t.Helper()
	return metricstest.Text(t, s.Collector())
}

var metricLine = regexp.MustCompile(`^adit_relay_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$`)

func TestCollector(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair("SSH")
	m := startSSH(1, 1)
	src.send(m)
	dst.expectMsg(m)
	c, resp := e.dial("source", "adt1.unknown", dialOpts{})
	checkRejected(t, c, resp, 400, "Invalid access token")

	// The relay counts a read's messages once it has relayed them, which
	// may be just after the destination got them.
	relayed := `adit_relay_relayed_messages_total{direction="source_to_destination"} 1` + "\n"
	out := scrape(t, e.srv)
	for end := time.Now().Add(5 * time.Second); !strings.Contains(out, relayed) && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
		out = scrape(t, e.srv)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "# HELP adit_relay_") && !strings.HasPrefix(l, "# TYPE adit_relay_") && !metricLine.MatchString(l) {
			t.Errorf("bad exposition line %q", l)
		}
	}
	for _, want := range []string{
		"# TYPE adit_relay_active_tunnels gauge",
		"adit_relay_active_tunnels 1",
		"# TYPE adit_relay_peers gauge",
		`adit_relay_peers{mode="source",protocol_version="3"} 1`,
		`adit_relay_peers{mode="destination",protocol_version="3"} 1`,
		`adit_relay_peers{mode="source",protocol_version="1"} 0`,
		"# TYPE adit_relay_handshakes_accepted_total counter",
		"adit_relay_handshakes_accepted_total 2",
		"# TYPE adit_relay_handshakes_rejected_total counter",
		`adit_relay_handshakes_rejected_total{code="400",reason="token_invalid"} 1`,
		`adit_relay_handshakes_rejected_total{code="429",reason="throttled"} 0`,
		"# TYPE adit_relay_relayed_messages_total counter",
		`adit_relay_relayed_messages_total{direction="source_to_destination"} 1`,
		"# TYPE adit_relay_relayed_bytes_total counter",
		`adit_relay_relayed_bytes_total{direction="source_to_destination"} 13`,
		`adit_relay_relayed_bytes_total{direction="destination_to_source"} 0`,
		"# TYPE adit_relay_absent_peer_dropped_messages_total counter",
		"adit_relay_absent_peer_dropped_messages_total 0",
		"# TYPE adit_relay_protocol_violations_total counter",
		`adit_relay_protocol_violations_total{rule="stream_id_zero"} 0`,
		"# TYPE adit_relay_peer_closes_total counter",
		`adit_relay_peer_closes_total{reason="replaced"} 0`,
		"# TYPE adit_relay_handshake_duration_seconds histogram",
		`adit_relay_handshake_duration_seconds_count{outcome="accepted"} 2`,
		`adit_relay_handshake_duration_seconds_count{outcome="rejected"} 1`,
		`adit_relay_handshake_duration_seconds_count{outcome="failed"} 0`,
		`adit_relay_handshake_duration_seconds_bucket{outcome="accepted",le="+Inf"} 2`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", out)
	}
}
