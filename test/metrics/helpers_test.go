package metrics

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	dto "github.com/prometheus/client_model/go"

	"github.com/adit-project/adit/internal/metricstest"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/wire"
)

const ioTimeout = 20 * time.Second

// startServer runs a tunneld with everything that has metrics turned on:
// the embedded MQTT broker and the audit log.
func startServer(t *testing.T) *servertest.Instance {
	t.Helper()
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0", AuditLog: filepath.Join(t.TempDir(), "audit.log")})
	if in.Server.MQTTAddr() == "" {
		t.Fatal("embedded broker did not start")
	}
	return in
}

// scrape fetches and parses GET /metrics.
func scrape(t *testing.T, in *servertest.Instance) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := in.Client.Get(in.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics Content-Type = %q, want the text format 0.0.4", ct)
	}
	return metricstest.Parse(t, resp.Body)
}

// scrapeUntil scrapes until ok accepts the families, at most for ioTimeout.
func scrapeUntil(t *testing.T, in *servertest.Instance, what string, ok func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for {
		mfs := scrape(t, in)
		if ok(mfs) {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// labels is a series' label set as "k=v,k=v", sorted by name.
func labels(m *dto.Metric) string {
	var kv []string
	for _, l := range m.GetLabel() {
		kv = append(kv, l.GetName()+"="+l.GetValue())
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

// value is a counter's or gauge's value, or a histogram's count, in the
// series of family name whose label set is want; -1 if there is none.
func value(mfs map[string]*dto.MetricFamily, name, want string) float64 {
	for _, m := range mfs[name].GetMetric() {
		if labels(m) != want {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// dial upgrades to the data plane as mode with token; it returns the
// response status.
func dial(t *testing.T, in *servertest.Instance, mode, token string) int {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol3}, HandshakeTimeout: ioTimeout}
	c, resp, err := d.Dial(in.WSURL(mode), http.Header{"Access-Token": {token}})
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", mode, err)
	}
	return resp.StatusCode
}

// awsCLI runs the installed AWS CLI v1 against in and returns its exit
// status and combined output.
func awsCLI(t *testing.T, in *servertest.Instance, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--endpoint-url", in.URL}, args...)...)
	cmd.Env = in.Env(t)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// drive makes one of each thing the new series count: a tunnel opened
// for a thing (an API call, store calls, an MQTT notification, audit
// events), an API error through the AWS CLI, an accepted and a rejected
// data-plane upgrade.
func drive(t *testing.T, in *servertest.Instance) {
	t.Helper()
	var open struct {
		TunnelID          string `json:"tunnelId"`
		SourceAccessToken string `json:"sourceAccessToken"`
	}
	in.MustCall(t, "OpenTunnel", map[string]any{"destinationConfig": map[string]any{"thingName": "robot-1", "services": []string{"SSH"}}}, &open)
	code, out := awsCLI(t, in, "iotsecuretunneling", "describe-tunnel", "--tunnel-id", "00000000-0000-0000-0000-000000000000")
	if code == 0 || !strings.Contains(out, "ResourceNotFoundException") {
		t.Fatalf("aws describe-tunnel of an unknown tunnel = exit %d: %s", code, out)
	}
	if st := dial(t, in, "source", open.SourceAccessToken); st != 101 {
		t.Fatalf("source upgrade = %d, want 101", st)
	}
	if st := dial(t, in, "destination", "adt1.unknown"); st != 400 {
		t.Fatalf("upgrade with an unknown token = %d, want 400", st)
	}
}

// needTool fails (on CI) or skips the test when a program is missing.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " is not installed; install it with: apt-get install -y " + pkg + " (scripts/test.sh does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
