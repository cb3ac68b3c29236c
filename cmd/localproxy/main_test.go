package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// service is a scripted relay: it rejects with status (if non-zero) or
// upgrades, sends SERVICE_IDS ["SSH"] and then, if closeCode is set, a
// Close frame; otherwise it waits for the client to go.
func service(t *testing.T, status int, closeCode int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != 0 {
			w.Header().Set("X-Status-Reason", "Invalid access token")
			http.Error(w, "Invalid access token", status)
			return
		}
		up := websocket.Upgrader{Subprotocols: []string{wire.Subprotocol3}}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		b, _ := wire.AppendFrame(nil, &wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: []string{"SSH"}})
		ws.WriteMessage(websocket.BinaryMessage, b)
		if closeCode != 0 {
			ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closeCode, "tunnel closed"))
		}
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func clearEnv(t *testing.T) {
	for _, k := range []string{"AWSIOT_TUNNEL_ACCESS_TOKEN", "AWSIOT_TUNNEL_CLIENT_TOKEN", "AWSIOT_TUNNEL_ENDPOINT",
		"AWSIOT_TUNNEL_REGION", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, "")
	}
}

func TestExitStatus(t *testing.T) {
	clearEnv(t)
	settings := filepath.Join(t.TempDir(), "settings.json")
	wsURL := func(s *httptest.Server) string { return "ws://" + s.Listener.Addr().String() }
	cases := []struct {
		name   string
		args   func() []string
		status int
		out    string // expected in stdout+stderr
	}{
		{"help", func() []string { return []string{"--help"} }, 0, "--source-listen-port"},
		{"version", func() []string { return []string{"-V"} }, 0, "localproxy-adit"},
		{"bad_port", func() []string { return []string{"-t", "x", "-e", "h", "-s", "70000"} }, 2, "invalid port"},
		{"both_modes", func() []string { return []string{"-t", "x", "-e", "h", "-s", "1", "-d", "2"} }, 2, "one and only one"},
		{"control_char_token", func() []string { return []string{"-t", "a\x7fb", "-e", "h", "-m", "src"} }, 2, "control characters"},
		{"export", func() []string { return []string{"--export-default-settings", settings} }, 0, ""},
		{"rejected_4xx", func() []string {
			return []string{"-t", "x", "-e", wsURL(service(t, 403, 0)), "-m", "src"}
		}, 1, "403 Forbidden: Invalid access token"},
		{"close_frame", func() []string {
			return []string{"-t", "x", "-e", wsURL(service(t, 0, 1000)), "-m", "src", "-b", "127.0.0.1"}
		}, 0, `reason="tunnel closed"`},
		{"unknown_service", func() []string {
			return []string{"-t", "x", "-e", wsURL(service(t, 0, 0)), "-s", "RDP=3389"}
		}, 1, "RDP are not in the tunnel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(c.args(), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if status != c.status || !strings.Contains(out, c.out) {
				t.Errorf("run = %d, want %d with %q; output:\n%s", status, c.status, c.out, out)
			}
		})
	}
	var exported map[string]any
	if data, err := os.ReadFile(settings); err != nil || json.Unmarshal(data, &exported) != nil || exported["tunneling"] == nil {
		t.Errorf("exported settings: %v, %s", err, settings)
	}
}

// TestBinarySignal builds the binary, connects it and stops it with
// SIGTERM: it must exit 0 after a clean shutdown.
func TestBinarySignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	clearEnv(t)
	bin := filepath.Join(t.TempDir(), "localproxy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := service(t, 0, 0)
	cmd := exec.Command(bin, "-e", "ws://"+srv.Listener.Addr().String(), "-m", "src", "-b", "127.0.0.1", "-v", "5")
	cmd.Env = append(os.Environ(), "AWSIOT_TUNNEL_ACCESS_TOKEN=token")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "connected to the tunnel") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
		done <- cmd.Wait()
	}()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
}

func TestSplitPprofFlag(t *testing.T) {
	for _, c := range []struct {
		in   []string
		rest string
		addr string
	}{
		{[]string{"-t", "x", "--pprof-listen", "127.0.0.1:6061", "-s", "5555"}, "-t x -s 5555", "127.0.0.1:6061"},
		{[]string{"--pprof-listen=127.0.0.1:0", "-d", "22"}, "-d 22", "127.0.0.1:0"},
		{[]string{"-d", "22"}, "-d 22", ""},
	} {
		rest, addr := splitPprofFlag(c.in)
		if strings.Join(rest, " ") != c.rest || addr != c.addr {
			t.Errorf("splitPprofFlag(%q) = %q, %q; want %q, %q", c.in, rest, addr, c.rest, c.addr)
		}
	}
}
