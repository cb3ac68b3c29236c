package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// teamPolicy lets a team open SSH tunnels to its own robot, tagged with
// its team, and manage only tunnels carrying its tag.
func teamPolicy(team string) string {
	arn := "arn:aws:iot:us-east-1:123456789012"
	return fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": "iot:OpenTunnel", "Resource": ["%[1]s:tunnel/*", "%[1]s:thing/robot-%[2]s"],
	   "Condition": {"StringEquals": {"aws:RequestTag/team": "%[2]s"}}},
	  {"Effect": "Allow", "Action": "iot:*", "Resource": ["%[1]s:tunnel/*", "%[1]s:thing/robot-%[2]s"],
	   "Condition": {"StringEquals": {"aws:ResourceTag/team": "%[2]s"}}}]}`, arn, team)
}

// TestTwoTeamsTwoDevices is the trust issue's "done when": two users with
// their own policies and two devices with their own MQTT credentials
// share one tunneld; neither user can see or touch the other's tunnels,
// neither device can read the other's notifications, and every action is
// in the audit log.
func TestTwoTeamsTwoDevices(t *testing.T) {
	t.Parallel()
	keyA := sigv4.Key{AccessKeyID: "AKIATEAMA0000000001", SecretAccessKey: "team-a-secret-0000000000000000000", Name: "team-a"}
	keyB := sigv4.Key{AccessKeyID: "AKIATEAMB0000000001", SecretAccessKey: "team-b-secret-0000000000000000000", Name: "team-b"}
	creds := writeFile(t, "credentials", fmt.Sprintf("[team-a]\naws_access_key_id = %s\naws_secret_access_key = %s\n[team-b]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		keyA.AccessKeyID, keyA.SecretAccessKey, keyB.AccessKeyID, keyB.SecretAccessKey))
	policies := writeFile(t, "policies.json", fmt.Sprintf(`{"users": [
	  {"name": "team-a", "accessKeyIds": ["%s"], "policies": [%s]},
	  {"name": "team-b", "accessKeyIds": ["%s"], "policies": [%s]}]}`,
		keyA.AccessKeyID, teamPolicy("a"), keyB.AccessKeyID, teamPolicy("b")))
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	in := servertest.Start(t, server.Config{CredentialsFile: creds, PolicyFile: policies, AuditLog: auditLog, MQTTListen: "127.0.0.1:0"})
	a, b := as(in, keyA), as(in, keyB)

	pwA, pwB := addDevice(t, in, "robot-a"), addDevice(t, in, "robot-b")
	agentA := startDeviceAgent(t, in, "robot-a", pwA)
	agentB := startDeviceAgent(t, in, "robot-b", pwB)
	spyOnOtherDevice(t, in.Server.MQTTAddr(), "robot-b", pwB, "robot-a")

	var tun servertest.OpenTunnelResult
	a.MustCall(t, "OpenTunnel", openFor("robot-a", "a"), &tun)
	agentA.waitMatches(t, reAgentSession, 1, waitFor)

	denials := []struct {
		who  *servertest.Instance
		op   string
		body map[string]any
	}{
		{b, "DescribeTunnel", map[string]any{"tunnelId": tun.TunnelID}},
		{b, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}},
		{b, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "ALL"}},
		{b, "ListTagsForResource", map[string]any{"resourceArn": tun.TunnelARN}},
		{b, "OpenTunnel", openFor("robot-a", "b")},
		{a, "OpenTunnel", openFor("robot-b", "a")},
	}
	for _, d := range denials {
		if status, code := d.who.Call(t, d.op, d.body, nil); status != 403 || code != "AccessDeniedException" {
			t.Errorf("%s as %s = %d %s, want 403 AccessDeniedException", d.op, d.who.Key.Name, status, code)
		}
	}
	var list struct{ TunnelSummaries []struct{ TunnelID string } }
	b.MustCall(t, "ListTunnels", map[string]any{}, &list)
	if len(list.TunnelSummaries) != 0 {
		t.Errorf("team-b lists %v, want nothing", list.TunnelSummaries)
	}
	if n := agentB.count(reAgentSession); n != 0 {
		t.Errorf("robot-b's agent started %d sessions for robot-a's tunnel", n)
	}
	a.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)

	checkTrustAudit(t, auditLog, tun)
}

// as is the instance seen with another access key.
func as(in *servertest.Instance, k sigv4.Key) *servertest.Instance {
	c := *in
	c.Key = k
	return &c
}

func openFor(thing, team string) map[string]any {
	return map[string]any{"destinationConfig": map[string]any{"thingName": thing, "services": []string{"SSH"}},
		"tags": []map[string]string{{"key": "team", "value": team}}}
}

// addDevice gives a thing its own MQTT password with tunneld's CLI.
func addDevice(t *testing.T, in *servertest.Instance, thing string) string {
	t.Helper()
	out, err := exec.Command(tunneld(t), "device", "add", thing, "--data-dir", in.DataDir).Output()
	if err != nil {
		t.Fatalf("tunneld device add %s: %v", thing, err)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func startDeviceAgent(t *testing.T, in *servertest.Instance, thing, password string) *proc {
	t.Helper()
	p := startProc(t, "tunnelagent-"+thing, tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=" + password},
		"--mqtt-url", "mqtt://"+in.Server.MQTTAddr(), "--mqtt-username", thing, "--thing-name", thing,
		"--endpoint", wsEndpoint(in), "--destination-app", "SSH=127.0.0.1:9", "-v", "debug")
	p.waitMatches(t, reAgentSubscribed, 1, waitFor)
	return p
}

// spyOnOtherDevice logs in as one device and tries to read another's
// notifications, by name and by wildcard: the broker must refuse both.
func spyOnOtherDevice(t *testing.T, addr, thing, password, victim string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: thing + "-spy", CleanStart: true, KeepAlive: 30,
		Username: thing, UsernameFlag: true, Password: []byte(password), PasswordFlag: true}); err != nil {
		t.Fatalf("%s cannot log in with its own password: %v", thing, err)
	}
	defer c.Disconnect(&paho.Disconnect{})
	for _, topic := range []string{"$aws/things/" + victim + "/tunnels/notify", "$aws/things/+/tunnels/notify"} {
		sa, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}})
		if err == nil && sa != nil && len(sa.Reasons) == 1 && sa.Reasons[0] < 0x80 {
			t.Errorf("%s may subscribe to %s", thing, topic)
		}
	}
}

// checkTrustAudit: the opening, the refusals and the device's connection
// are in the audit log, and no token is.
func checkTrustAudit(t *testing.T, path string, tun servertest.OpenTunnelResult) {
	t.Helper()
	want := map[string]bool{"OpenTunnel allowed team-a": false, "DescribeTunnel denied team-b": false,
		"RotateTunnelAccessToken denied team-b": false, "TunnelConnect destination -": false, "CloseTunnel allowed team-a": false}
	deadline := time.Now().Add(15 * time.Second)
	for {
		raw, _ := os.ReadFile(path)
		if strings.Contains(string(raw), tun.SourceAccessToken) || strings.Contains(string(raw), tun.DestinationAccessToken) {
			t.Fatal("a token is in the audit log")
		}
		for _, line := range strings.Split(string(raw), "\n") {
			for k := range want {
				f := strings.Fields(k)
				if auditLineIs(line, f[0], f[1], f[2]) {
					want[k] = true
				}
			}
		}
		missing := 0
		for _, ok := range want {
			if !ok {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit log lacks some of %v", want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// auditLineIs matches an audit line by event name and, for API events,
// outcome and user; for data-plane events, the client mode.
func auditLineIs(line, name, outcome, who string) bool {
	if !strings.Contains(line, `"eventName":"`+name+`"`) {
		return false
	}
	switch outcome {
	case "allowed":
		return !strings.Contains(line, `"errorCode"`) && strings.Contains(line, `"userName":"`+who+`"`)
	case "denied":
		return strings.Contains(line, `"errorCode":"AccessDeniedException"`) && strings.Contains(line, `"userName":"`+who+`"`)
	}
	return strings.Contains(line, `"clientMode":"`+outcome+`"`)
}
