package listenlog_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/listenlog"
)

// logLine renders one record with a real slog handler (text or JSON).
func logLine(t *testing.T, json bool, msg string, args ...any) string {
	t.Helper()
	var b bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&b, nil)
	if json {
		h = slog.NewJSONHandler(&b, nil)
	}
	slog.New(h).With("component", "x").Info(msg, args...)
	return strings.TrimSuffix(b.String(), "\n")
}

func TestParseReports(t *testing.T) {
	for _, format := range []bool{false, true} {
		for _, tc := range []struct {
			msg  string
			args []any
			want listenlog.Event
		}{
			{"tunneld listening", []any{"addr", "127.0.0.1:41234", "tls", false},
				listenlog.Event{Kind: listenlog.API, Addr: "127.0.0.1:41234"}},
			{"embedded MQTT broker listening", []any{"addr", "[::1]:1883", "tls", true, "devices_file", "/tmp/a b/devices.json"},
				listenlog.Event{Kind: listenlog.MQTT, Addr: "[::1]:1883"}},
			{"pprof listening", []any{"addr", "127.0.0.1:6060"},
				listenlog.Event{Kind: listenlog.Pprof, Addr: "127.0.0.1:6060"}},
			{"listening", []any{"service_id", "SSH", "addr", "127.0.0.1:5555"},
				listenlog.Event{Kind: listenlog.Source, ServiceID: "SSH", Addr: "127.0.0.1:5555"}},
			{"Listen port assigned for service id RDP", []any{"service_id", "RDP", "addr", "127.0.0.1:40001"},
				listenlog.Event{Kind: listenlog.Source, ServiceID: "RDP", Addr: "127.0.0.1:40001"}},
			{"Listen port assigned for service id ", []any{"service_id", "", "addr", "127.0.0.1:40002"},
				listenlog.Event{Kind: listenlog.Source, Addr: "127.0.0.1:40002"}},
		} {
			line := logLine(t, format, tc.msg, tc.args...)
			got, ok := listenlog.Parse(line)
			if !ok || got != tc.want {
				t.Errorf("Parse(%s) = %+v, %v; want %+v", line, got, ok, tc.want)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"tunneld: listen: address already in use",
		logLine(t, false, "tunneld listening"),                       // no address
		logLine(t, true, "tunneld listening", "addr", "not-an-addr"), // malformed address
		logLine(t, false, "connected to the tunnel", "addr", "127.0.0.1:1"),
		logLine(t, true, "listening on something else", "addr", "127.0.0.1:1"),
		`msg="tunneld listening addr=127.0.0.1:1`, // unterminated quote
		`msg=tunneld listening addr=127.0.0.1:1`,  // not key=value
		`{"msg":"tunneld listening","addr":`,      // truncated JSON
		`{"msg":"tunneld listening","addr":8080}`, // not a string
	} {
		if ev, ok := listenlog.Parse(line); ok {
			t.Errorf("Parse(%q) = %+v, want no report", line, ev)
		}
	}
}
