package e2e

import (
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

var (
	agentOnce sync.Once
	agentBin  string
	agentErr  error

	reAgentSubscribed = regexp.MustCompile(`subscribed to notify topic`)
	reAgentSession    = regexp.MustCompile(`destination session started`)
)

// tunnelagent returns the tunnelagent binary, building it on first use.
func tunnelagent(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() { agentBin, agentErr = goBuild("tunnelagent") })
	if agentErr != nil {
		t.Fatal(agentErr)
	}
	return agentBin
}

// TestOpenSSHThroughAgent is the device story end to end: tunneld with its
// embedded MQTT broker, a tunnelagent process on the "device" serving its
// sshd, an OpenTunnel for the thing, and a source localproxy: ssh reaches
// the device without anything being started on it by hand.
func TestOpenSSHThroughAgent(t *testing.T) {
	t.Parallel()
	sshd := startSSHD(t)
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	// The operator gives the device its own MQTT identity with tunneld's
	// CLI; the agent logs in with it.
	add := exec.Command(tunneld(t), "device", "add", "robot-ssh", "--data-dir", in.DataDir)
	pw, err := add.Output()
	if err != nil {
		t.Fatalf("tunneld device add: %v", err)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatal(err)
	}
	agent := startProc(t, "tunnelagent", tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=" + strings.TrimSpace(string(pw))},
		"--mqtt-url", "mqtt://"+in.Server.MQTTAddr(), "--mqtt-username", "robot-ssh", "--thing-name", "robot-ssh",
		"--endpoint", wsEndpoint(in), "--destination-app", "SSH=127.0.0.1:"+sshd.port, "-v", "debug")
	agent.waitMatches(t, reAgentSubscribed, 1, waitFor)

	var tun servertest.OpenTunnelResult
	in.MustCall(t, "OpenTunnel", map[string]any{
		"destinationConfig": map[string]any{"thingName": "robot-ssh", "services": []string{"SSH"}},
	}, &tun)
	agent.waitMatches(t, reAgentSession, 1, waitFor)
	waitDestinationConnected(t, in, tun.TunnelID)

	_, addrs := startSource(t, wsEndpoint(in), tun.SourceAccessToken, osPorts()...)
	if out := sshd.run(t, portOf(addrs["SSH"]), nil, "echo", "ok"); out != "ok" {
		t.Fatalf("ssh ... echo ok through the agent printed %q, want ok", out)
	}

	// Closing the tunnel ends the agent's session; the agent keeps running.
	in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	agent.waitMatches(t, regexp.MustCompile(`destination session ended: tunnel closed`), 1, waitFor)
	if !agent.running() {
		t.Errorf("tunnelagent exited after its tunnel closed; it must keep serving")
	}
}

// waitDestinationConnected waits until the tunnel's destination is
// attached at the relay: the agent logs its session as started before its
// WebSocket is up, and a source that starts a stream before that gets an
// immediate STREAM_RESET (the other peer is absent).
func waitDestinationConnected(t *testing.T, in *servertest.Instance, id string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		var out struct {
			Tunnel struct {
				DestinationConnectionState struct{ Status string } `json:"destinationConnectionState"`
			} `json:"tunnel"`
		}
		in.MustCall(t, "DescribeTunnel", map[string]any{"tunnelId": id}, &out)
		if out.Tunnel.DestinationConnectionState.Status == "CONNECTED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("destination of tunnel %s not connected within %v", id, waitFor)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
