package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

var (
	tunnelctlOnce sync.Once
	tunnelctlBin  string
	tunnelctlErr  error
)

// tunnelctl returns the tunnelctl binary, building it on first use.
func tunnelctl(t *testing.T) string {
	t.Helper()
	tunnelctlOnce.Do(func() { tunnelctlBin, tunnelctlErr = goBuild("tunnelctl") })
	if tunnelctlErr != nil {
		t.Fatal(tunnelctlErr)
	}
	return tunnelctlBin
}

// runTunnelctl runs tunnelctl with the instance's credentials and returns
// stdout, stderr and the exit status.
func runTunnelctl(t *testing.T, in *servertest.Instance, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tunnelctl(t), append([]string{"--endpoint-url", in.URL}, args...)...)
	cmd.Env = in.Env(t)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("tunnelctl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// tunnelStatuses returns the status of every tunnel of a thing.
func tunnelStatuses(t *testing.T, in *servertest.Instance, thing string) []string {
	t.Helper()
	var list struct {
		TunnelSummaries []struct {
			Status string `json:"status"`
		} `json:"tunnelSummaries"`
	}
	in.MustCall(t, "ListTunnels", map[string]any{"thingName": thing}, &list)
	var out []string
	for _, s := range list.TunnelSummaries {
		out = append(out, s.Status)
	}
	return out
}

// startAgent starts a tunnelagent for thing with a --destination-app mapping.
func startAgent(t *testing.T, in *servertest.Instance, thing, apps string) *proc {
	t.Helper()
	agent := startProc(t, "tunnelagent "+thing, tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=" + in.AddDevice(t, thing)},
		"--mqtt-url", "mqtt://"+in.Server.MQTTAddr(), "--mqtt-username", thing, "--thing-name", thing,
		"--endpoint", wsEndpoint(in), "--destination-app", apps)
	agent.waitMatches(t, reAgentSubscribed, 1, waitFor)
	return agent
}

// TestTunnelctlSSH: `tunnelctl ssh user@THING command` opens a tunnel, the
// thing's tunnelagent connects it to sshd, ssh runs the command through
// tunnelctl's own stdio proxy; tunnelctl exits with ssh's status and the
// tunnel is closed afterwards (kept with --keep).
func TestTunnelctlSSH(t *testing.T) {
	t.Parallel()
	sshd := startSSHD(t)
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	startAgent(t, in, "robot-ctl", "SSH=127.0.0.1:"+sshd.port)
	sshArgs := []string{"-F", "/dev/null", "-i", sshd.userKey, "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"}

	args := append([]string{"ssh", "--wait", "30s", sshd.user + "@robot-ctl"}, sshArgs...)
	out, errOut, code := runTunnelctl(t, in, append(args, "echo via tunnelctl; exit 3")...)
	if out != "via tunnelctl\n" || code != 3 {
		t.Fatalf("tunnelctl ssh: stdout %q, exit %d; want %q, 3; stderr:\n%s", out, code, "via tunnelctl\n", errOut)
	}
	if st := tunnelStatuses(t, in, "robot-ctl"); len(st) != 1 || st[0] != "CLOSED" {
		t.Fatalf("tunnels after tunnelctl ssh: %v, want one CLOSED", st)
	}

	args = append([]string{"ssh", "--keep", sshd.user + "@robot-ctl"}, sshArgs...)
	if out, errOut, code := runTunnelctl(t, in, append(args, "true")...); code != 0 || out != "" {
		t.Fatalf("tunnelctl ssh --keep: stdout %q, exit %d; stderr:\n%s", out, code, errOut)
	}
	if st := tunnelStatuses(t, in, "robot-ctl"); len(st) != 2 || st[0] != "OPEN" {
		t.Fatalf("tunnels after tunnelctl ssh --keep: %v, want the newest OPEN", st)
	}
}

// TestTunnelctlSSHNoAgent: with no agent for the thing, tunnelctl ssh
// gives up after --wait with the documented message and status 255, and
// closes the tunnel it opened.
func TestTunnelctlSSHNoAgent(t *testing.T) {
	t.Parallel()
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	out, errOut, code := runTunnelctl(t, in, "ssh", "--wait", "1s", "nobody-home", "true")
	want := "tunnelctl: no destination connected for thing nobody-home within 1s (is tunnelagent running and subscribed"
	if code != 255 || out != "" || !strings.Contains(errOut, want) {
		t.Fatalf("tunnelctl ssh to a thing without agent: exit %d, stdout %q, stderr %q; want 255 and %q", code, out, errOut, want)
	}
	if st := tunnelStatuses(t, in, "nobody-home"); len(st) != 1 || st[0] != "CLOSED" {
		t.Fatalf("tunnels after the timeout: %v, want one CLOSED", st)
	}
	// Usage errors are status 2.
	if _, errOut, code := runTunnelctl(t, in, "port-forward", "thing", "SSH"); code != 2 || !strings.Contains(errOut, "usage: tunnelctl port-forward") {
		t.Fatalf("port-forward with two arguments: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
}

// TestTunnelctlPortForward: port-forward THING SERVICE LOCALPORT carries
// TCP connections to the agent's service until interrupted, then closes
// the tunnel and exits 0.
func TestTunnelctlPortForward(t *testing.T) {
	t.Parallel()
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	echo := echoServer(t, "echo here\n")
	startAgent(t, in, "robot-pf", "ECHO="+echo)
	// LOCALPORT 0: the OS chooses the port and tunnelctl prints it.
	pf := startProc(t, "tunnelctl port-forward", tunnelctl(t), in.Env(t),
		"--endpoint-url", in.URL, "port-forward", "robot-pf", "ECHO", "0")
	addr := pf.waitMatches(t, regexp.MustCompile(`forwarding (127\.0\.0\.1:[1-9][0-9]*) to ECHO on thing robot-pf`), 1, waitFor)[1]
	for range 2 {
		if err := echoRoundTrip(addr, "echo here\n", 128<<10, waitFor); err != nil {
			t.Fatalf("echo through tunnelctl port-forward: %v", err)
		}
	}
	pf.signal(t, syscall.SIGINT)
	if code := pf.waitExit(t, waitFor); code != 0 {
		t.Fatalf("tunnelctl port-forward exit %d after SIGINT, want 0", code)
	}
	if st := tunnelStatuses(t, in, "robot-pf"); len(st) != 1 || st[0] != "CLOSED" {
		t.Fatalf("tunnels after port-forward ended: %v, want one CLOSED", st)
	}
}
