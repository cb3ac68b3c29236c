package proxyconf

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/wire"
)

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "default.json")
	if err := ExportDefaultSettings(def); err != nil {
		t.Fatal(err)
	}
	s := defaultSettings()
	var warnings []string
	warn := func(w string) { warnings = append(warnings, w) }
	if err := loadSettings(def, &s, warn); err != nil || len(warnings) != 0 {
		t.Fatalf("loading the exported defaults: %v, warnings %q", err, warnings)
	}
	want(t, "round trip", s, defaultSettings())
	custom := filepath.Join(dir, "custom.json")
	os.WriteFile(custom, []byte(`{
		"tunneling.proxy.websocket.ping_period_ms": "5000",
		"tunneling": {"proxy": {
			"tcp": {"connection_retry_count": 0, "connection_retry_delay_ms": 100, "max_active_connections": 16},
			"websocket": {"connect_retry_count": 2, "reconnect_on_data_error": "false", "subprotocol": "aws.iot.securetunneling-2.0"},
			"message": {"max_payload_size": 1024},
			"frobnicate": 1
		}}}`), 0o644)
	if err := loadSettings(custom, &s, warn); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 {
		t.Errorf("warnings = %q, want one for the fixed key and one for the unknown key", warnings)
	}
	var cfg localproxy.Config
	s.apply(&cfg)
	want(t, "config", []any{cfg.PingPeriod, cfg.DialRetries, cfg.DialRetryDelay, cfg.MaxConnsPerService,
		cfg.MaxConnectAttempts, cfg.ExitOnDataError, cfg.Subprotocol},
		[]any{5 * time.Second, -1, 100 * time.Millisecond, 16, 3, true, wire.Subprotocol2})
}
