package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
	"github.com/adit-project/adit/internal/server"
)

// TestListenReportsPortZero: a server told to listen on port 0 (API and
// embedded broker) reports the ports the OS chose in its log, in the text
// and the JSON format, in lines package listenlog reads; the reported
// addresses serve.
func TestListenReportsPortZero(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			logs := &logBuffer{}
			h := slog.Handler(slog.NewTextHandler(logs, nil))
			if format == "json" {
				h = slog.NewJSONHandler(logs, nil)
			}
			cfg := server.Config{Listen: "127.0.0.1:0", MQTTListen: "127.0.0.1:0", Logger: slog.New(h),
				DataDir: filepath.Join(t.TempDir(), "data"), AdminAccessKeyID: testKey.AccessKeyID,
				AdminSecretAccessKey: testKey.SecretAccessKey}
			ctx, cancel := context.WithCancel(context.Background())
			srv, err := server.New(ctx, cfg)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Run(ctx) }()
			defer func() {
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("run: %v", err)
					}
				case <-time.After(30 * time.Second):
					t.Errorf("server did not stop within 30s")
				}
			}()
			got := waitReports(t, logs, listenlog.API, listenlog.MQTT)
			if mq := srv.MQTTAddr(); got[listenlog.MQTT] != mq {
				t.Errorf("broker reported %s, MQTTAddr() = %s", got[listenlog.MQTT], mq)
			}
			for kind, addr := range got {
				if _, port, _ := net.SplitHostPort(addr); port == "0" {
					t.Errorf("%s reported port 0 (%s), want the port the OS chose", kind, addr)
				}
			}
			resp, err := (&http.Client{Timeout: ioTimeout}).Get("http://" + got[listenlog.API] + "/healthz")
			if err != nil {
				t.Fatalf("GET /healthz at the reported address: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /healthz at the reported address: status %d", resp.StatusCode)
			}
			c, err := net.DialTimeout("tcp", got[listenlog.MQTT], ioTimeout)
			if err != nil {
				t.Fatalf("dial the reported broker address: %v", err)
			}
			c.Close()
		})
	}
}

// waitReports waits (bounded) until the log holds a report of each kind
// and returns their addresses.
func waitReports(t *testing.T, logs *logBuffer, kinds ...listenlog.Kind) map[listenlog.Kind]string {
	t.Helper()
	got := map[listenlog.Kind]string{}
	for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(logs.String(), "\n") {
			if ev, ok := listenlog.Parse(line); ok {
				got[ev.Kind] = ev.Addr
			}
		}
		missing := false
		for _, k := range kinds {
			missing = missing || got[k] == ""
		}
		if !missing {
			return got
		}
	}
	t.Fatalf("no listening report for each of %v within %v (have %v); log:\n%s", kinds, ioTimeout, got, logs.String())
	return nil
}
