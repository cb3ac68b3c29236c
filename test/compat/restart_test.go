package compat

import (
	"bufio"
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// buildTunneld compiles cmd/tunneld into a temporary directory.
func buildTunneld(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tunneld")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/tunneld").CombinedOutput()
	if err != nil {
		t.Fatalf("go build tunneld: %v\n%s", err, out)
	}
	return bin
}

var listenLog = regexp.MustCompile(`tunneld listening"? addr=(\S+)`)

// startTunneld starts the binary and returns the process and its address,
// read from its "listening" log line.
func startTunneld(t *testing.T, bin, dataDir string, key sigv4.Key) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--mqtt-listen", "off")
	cmd.Env = []string{"TUNNELD_ACCESS_KEY_ID=" + key.AccessKeyID, "TUNNELD_SECRET_ACCESS_KEY=" + key.SecretAccessKey}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenLog.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, a
	case <-time.After(30 * time.Second):
		t.Fatal("tunneld did not report its listen address within 30s")
	}
	return nil, ""
}

// TestRestartAfterKill9 opens tunnels, kills tunneld with SIGKILL, starts it
// again on the same data directory and checks that every acknowledged
// write is there and that expiry still happens on time.
func TestRestartAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a one-minute tunnel lifetime")
	}
	t.Parallel()
	bin := buildTunneld(t)
	dataDir := t.TempDir()
	key := sigv4.GenerateKey("admin")
	cmd, addr := startTunneld(t, bin, dataDir, key)
	in := &servertest.Instance{URL: "http://" + addr, Key: key, Region: "us-east-1", Client: &http.Client{Timeout: 10 * time.Second}}

	var short, long servertest.OpenTunnelResult
	in.MustCall(t, "OpenTunnel", map[string]any{"timeoutConfig": map[string]any{"maxLifetimeTimeoutMinutes": 1}}, &short)
	in.MustCall(t, "OpenTunnel", map[string]any{
		"description":       "survives",
		"destinationConfig": map[string]any{"thingName": "dev9", "services": []string{"SSH"}},
		"tags":              []map[string]string{{"key": "k", "value": "v"}},
	}, &long)
	var rotated map[string]any
	in.MustCall(t, "RotateTunnelAccessToken", map[string]any{"tunnelId": long.TunnelID, "clientMode": "DESTINATION"}, &rotated)
	in.MustCall(t, "TagResource", map[string]any{"resourceArn": long.TunnelARN, "tags": []map[string]string{{"key": "k2", "value": "v2"}}}, nil)
	before := describe(t, in, long.TunnelID)
	shortBefore := describe(t, in, short.TunnelID)

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	_, addr = startTunneld(t, bin, dataDir, key)
	in.URL = "http://" + addr
	if after := describe(t, in, long.TunnelID); !reflect.DeepEqual(after, before) {
		t.Errorf("after kill -9 and restart:\n got %v\nwant %v", after, before)
	}
	if after := describe(t, in, short.TunnelID); !reflect.DeepEqual(after, shortBefore) {
		t.Errorf("short tunnel after restart:\n got %v\nwant %v", after, shortBefore)
	}

	// The one-minute tunnel closes at createdAt + 60 s: its lastUpdatedAt
	// says when, to the millisecond, however late this test looks.
	created := shortBefore["createdAt"].(float64)
	expires := time.UnixMilli(int64(created*1000) + 60_000)
	ctx, cancel := context.WithDeadline(context.Background(), expires.Add(30*time.Second))
	defer cancel()
	var closed map[string]any
	for ctx.Err() == nil {
		if d := describe(t, in, short.TunnelID); d["status"] == "CLOSED" {
			closed = d
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if closed == nil {
		t.Fatalf("one-minute tunnel still OPEN at %v (expiry %v)", time.Now(), expires)
	}
	if at := time.UnixMilli(int64(closed["lastUpdatedAt"].(float64)*1000 + 0.5)); !at.Equal(expires) {
		t.Errorf("tunnel closed at %v (lastUpdatedAt), want its expiry %v", at, expires)
	}
	if describe(t, in, long.TunnelID)["status"] != "OPEN" {
		t.Errorf("720-minute tunnel closed too")
	}
}

func describe(t *testing.T, in *servertest.Instance, id string) map[string]any {
	t.Helper()
	var out struct {
		Tunnel map[string]any `json:"tunnel"`
	}
	in.MustCall(t, "DescribeTunnel", map[string]any{"tunnelId": id}, &out)
	return out.Tunnel
}
