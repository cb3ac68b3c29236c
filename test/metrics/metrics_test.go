package metrics

import (
	"os"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/adit-project/adit/internal/metricstest"
)

// TestOldSeriesKeepTheirNamesTypesAndLabels compares a scrape with the
// one tunneld served before it used the Prometheus client library
// (testdata/metrics-before-prometheus.txt, same configuration: embedded
// broker and audit log on): every family is still there with the same
// type and help, and every series with the same label set.
func TestOldSeriesKeepTheirNamesTypesAndLabels(t *testing.T) {
	f, err := os.Open("testdata/metrics-before-prometheus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := metricstest.Parse(t, f)
	if len(old) < 29 {
		t.Fatalf("the old scrape has %d families, want at least 29", len(old))
	}
	now := scrape(t, startServer(t))
	for name, was := range old {
		is := now[name]
		if is == nil {
			t.Errorf("%s is no longer exposed", name)
			continue
		}
		if is.GetType() != was.GetType() || is.GetHelp() != was.GetHelp() {
			t.Errorf("%s: now %v %q, was %v %q", name, is.GetType(), is.GetHelp(), was.GetType(), was.GetHelp())
		}
		have := map[string]bool{}
		for _, m := range is.GetMetric() {
			have[labels(m)] = true
		}
		for _, m := range was.GetMetric() {
			if !have[labels(m)] {
				t.Errorf("%s{%s} is no longer exposed", name, labels(m))
			}
		}
		if want := len(was.GetMetric()) + addedSince[name]; len(is.GetMetric()) != want {
			t.Errorf("%s has %d series, want %d (%d before the move, %d added since)", name, len(is.GetMetric()), want, len(was.GetMetric()), addedSince[name])
		}
	}
}

// addedSince counts the series of old families added after the snapshot
// was taken: the cluster's two handshake refusals (docs/PROTOCOL.md D25,
// reasons cluster_forbidden and not_owner).
var addedSince = map[string]int{"adit_relay_handshakes_rejected_total": 2}

// TestNewSeriesCountWhatHappened drives the API (signed calls and the
// AWS CLI), the data plane and a device notification, and reads each in
// the new series.
func TestNewSeriesCountWhatHappened(t *testing.T) {
	in := startServer(t)
	drive(t, in)
	mfs := scrapeUntil(t, in, "the published notification and the audit events", func(m map[string]*dto.MetricFamily) bool {
		return value(m, "adit_mqtt_notifications_published_total", "") >= 1 && value(m, "adit_audit_events_total", "") >= 4
	})
	for _, c := range []struct {
		name, labels string
		min, max     float64
	}{
		{"adit_api_requests_total", "code=200,operation=OpenTunnel", 1, 1},
		{"adit_api_requests_total", "code=ResourceNotFoundException,operation=DescribeTunnel", 1, 1},
		{"adit_api_requests_total", "code=200,operation=ListTunnels", 0, 0},
		{"adit_api_request_duration_seconds", "operation=OpenTunnel", 1, 1},
		{"adit_api_request_duration_seconds", "operation=DescribeTunnel", 1, 1},
		{"adit_store_operation_duration_seconds", "operation=CreateTunnel", 1, 1},
		{"adit_store_operation_duration_seconds", "operation=ClaimToken", 2, 2},
		{"adit_store_operation_duration_seconds", "operation=SetConnState", 1, 10},
		{"adit_relay_handshake_duration_seconds", "outcome=accepted", 1, 1},
		{"adit_relay_handshake_duration_seconds", "outcome=rejected", 1, 1},
		{"adit_relay_handshakes_accepted_total", "", 1, 1},
		{"adit_relay_handshakes_rejected_total", "code=400,reason=token_invalid", 1, 1},
		{"adit_relay_peers", "mode=source,protocol_version=3", 1, 1},
		{"adit_mqtt_publish_duration_seconds", "result=ok", 1, 1},
		{"adit_unauthenticated_connections", "listener=main", 0, 1000},
		{"go_goroutines", "", 1, 1e6},
		{"go_memstats_heap_alloc_bytes", "", 1, 1e12},
		{"process_resident_memory_bytes", "", 1, 1e12},
		{"process_open_fds", "", 1, 1e6},
	} {
		if v := value(mfs, c.name, c.labels); v < c.min || v > c.max {
			t.Errorf("%s{%s} = %v, want %v..%v", c.name, c.labels, v, c.min, c.max)
		}
	}
	if t.Failed() {
		t.Logf("families: %v", names(mfs))
	}
}

func names(mfs map[string]*dto.MetricFamily) []string {
	var out []string
	for n := range mfs {
		out = append(out, n)
	}
	return out
}
