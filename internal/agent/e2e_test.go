package agent_test

import (
	"io"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
)

func TestEndToEndEmbeddedBroker(t *testing.T) {
	e := startEnv(t)
	echo := echoServer(t)
	ra := startAgent(t, agent.Config{MQTT: e.device(t, "robot-1"), ThingName: "robot-1",
		Endpoint: "ws://" + e.in.Addr, Services: []localproxy.Service{{ID: "SSH", Addr: echo}}})
	tun := openTunnel(t, e.in, "robot-1", "SSH")
	ra.wait(t, agent.EventConnected)
	src := startSource(t, e.in, tun.SourceAccessToken, "SSH")
	echoRoundTrip(t, src, "hello through the tunnel")

	// Rotation with destinationConfig: the agent switches to the new token
	// and the old session ends.
	e.in.MustCall(t, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "DESTINATION",
		"destinationConfig": map[string]any{"thingName": "robot-1", "services": []string{"SSH"}}}, nil)
	// The relay revokes the old token (its session ends as closed) or the
	// notification replaces the session first; either way it ends, then
	// the new token connects.
	ra.wait(t, agent.EventEnded)
	ra.wait(t, agent.EventConnected)
	if n := len(ra.a.Sessions()); n != 1 {
		t.Fatalf("%d sessions after rotation, want 1", n)
	}
	echoRoundTrip(t, src, "after rotation")

	resp, err := e.in.Client.Get(e.in.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "adit_mqtt_notifications_published_total 2") {
		t.Errorf("/metrics lacks 2 published notifications:\n%s", body)
	}

	// Closing the tunnel ends the session.
	e.in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	ra.wait(t, agent.EventEnded)
	if n := len(ra.a.Sessions()); n != 0 {
		t.Fatalf("%d sessions after close, want 0", n)
	}
}
