package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// sshVia runs ssh to host through proxyCommand with command, and returns
// its stdout, stderr and exit status. env is added to ssh's environment
// (ssh passes it on to the ProxyCommand).
func (s *sshServer) sshVia(t *testing.T, proxyCommand, host string, env []string, command ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"-F", "/dev/null", "-i", s.userKey, "-o", "ProxyCommand=" + proxyCommand,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
		s.user + "@" + host}, command...)
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.dir}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("ssh: %v", err)
	}
	return out.String(), errb.String(), code
}

// TestOpenSSHThroughStdio: OpenSSH reaches a device's sshd with
// ProxyCommand='localproxy -e ... --stdio SSH' (the token in the
// environment), through tunneld and the device's tunnelagent. The remote
// command's output and exit status come back; the proxy exits when ssh
// ends, and a second tunnel serves a second ssh the same way.
func TestOpenSSHThroughStdio(t *testing.T) {
	t.Parallel()
	sshd := startSSHD(t)
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	agent := startProc(t, "tunnelagent", tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=" + in.AddDevice(t, "robot-stdio")},
		"--mqtt-url", "mqtt://"+in.Server.MQTTAddr(), "--mqtt-username", "robot-stdio", "--thing-name", "robot-stdio",
		"--endpoint", wsEndpoint(in), "--destination-app", "SSH=127.0.0.1:"+sshd.port)
	agent.waitMatches(t, reAgentSubscribed, 1, waitFor)
	proxyCommand := localproxyBin + " -e " + wsEndpoint(in) + " --stdio SSH -v 3"
	for i := range 2 {
		var tun servertest.OpenTunnelResult
		in.MustCall(t, "OpenTunnel", map[string]any{
			"destinationConfig": map[string]any{"thingName": "robot-stdio", "services": []string{"SSH"}},
		}, &tun)
		agent.waitMatches(t, reAgentSession, i+1, waitFor)
		waitDestinationConnected(t, in, tun.TunnelID)
		env := []string{"AWSIOT_TUNNEL_ACCESS_TOKEN=" + tun.SourceAccessToken}
		out, errOut, code := sshd.sshVia(t, proxyCommand, "robot-stdio", env, "echo hello from $(hostname -s >/dev/null; echo robot); exit 7")
		if out != "hello from robot\n" || code != 7 {
			t.Fatalf("ssh through --stdio: stdout %q, exit %d; want %q, 7; stderr:\n%s", out, code, "hello from robot\n", errOut)
		}
		in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	}
}

// TestStdioServiceNotInTunnel: --stdio for a service the tunnel does not
// have exits with status 1 and says so on stderr, with nothing on stdout.
func TestStdioServiceNotInTunnel(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	tun := in.OpenTunnel(t, "SSH")
	cmd := exec.Command(localproxyBin, "-e", wsEndpoint(in), "--stdio", "VNC")
	cmd.Env = []string{"AWSIOT_TUNNEL_ACCESS_TOKEN=" + tun.SourceAccessToken}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(waitFor):
		cmd.Process.Kill()
		t.Fatalf("localproxy --stdio VNC did not exit; stderr:\n%s", errb.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || out.Len() != 0 || !strings.Contains(errb.String(), `VNC`) || !strings.Contains(errb.String(), `is not in the tunnel`) {
		t.Fatalf("localproxy --stdio VNC: exit %d, stdout %q, stderr %q; want 1, nothing, the service named", code, out.String(), errb.String())
	}
}
