package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
)

// TestPprofPortZero: --pprof-listen with port 0 serves on a port the OS
// chose and logs that address; a taken address is an error.
func TestPprofPortZero(t *testing.T) {
	var logs bytes.Buffer
	ln, err := startPprof("127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ev, ok := listenlog.Parse(strings.TrimSpace(logs.String()))
	if !ok || ev.Kind != listenlog.Pprof || ev.Addr != ln.Addr().String() {
		t.Fatalf("log %q: report %+v (%v), want pprof at %s", logs.String(), ev, ok, ln.Addr())
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + ev.Addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/ at the logged address: status %d", resp.StatusCode)
	}
	if _, err := startPprof(ev.Addr, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatalf("second pprof server on %s (taken): no error", ev.Addr)
	}
}
