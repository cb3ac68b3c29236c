package agent_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// mosquittoACL is the configuration the README documents for an external
// broker: a password per device, tunneld's own user may write every
// notify topic, and a device may read only its own.
const mosquittoACL = `user tunneld
topic write $aws/things/+/tunnels/notify

pattern read $aws/things/%u/tunnels/notify
`

// startMosquittoWithACL runs mosquitto with a password file for users
// (name → password) and the ACL above.
func startMosquittoWithACL(t *testing.T, users map[string]string) *mosquitto {
	t.Helper()
	passwd, err := exec.LookPath("mosquitto_passwd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mosquitto_passwd not installed (apt-get install mosquitto)")
		}
		t.Skip("mosquitto_passwd not installed")
	}
	dir := t.TempDir()
	pwFile, aclFile := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	for u, p := range users {
		args := []string{"-b", pwFile, u, p}
		if _, err := os.Stat(pwFile); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(passwd, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v: %s", err, out)
		}
	}
	if err := os.WriteFile(aclFile, []byte(mosquittoACL), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(pwFile, 0o600)
	return startMosquittoConf(t, "allow_anonymous false\npassword_file "+pwFile+"\nacl_file "+aclFile+"\n")
}

// rawDevice is a plain MQTT v5 client logged in as a device.
type rawDevice struct {
	c    *paho.Client
	msgs chan *paho.Publish
}

func dialDevice(t *testing.T, addr, user, pass string) *rawDevice {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	d := &rawDevice{msgs: make(chan *paho.Publish, 16)}
	d.c = paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}, OnServerDisconnect: func(*paho.Disconnect) {},
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			d.msgs <- pr.Packet
			return true, nil
		}}})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := d.c.Connect(ctx, &paho.Connect{ClientID: "raw-" + user, CleanStart: true, KeepAlive: 30,
		Username: user, UsernameFlag: true, Password: []byte(pass), PasswordFlag: true}); err != nil {
		conn.Close()
		t.Fatalf("%s: connect: %v", user, err)
	}
	t.Cleanup(func() { d.c.Disconnect(&paho.Disconnect{}); conn.Close(); <-d.c.Done() })
	return d
}

// subscribe subscribes, ignoring a refusal (mosquitto may grant a
// subscription and filter the messages instead; the test checks those).
func (d *rawDevice) subscribe(filter string) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	d.c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
}

func (d *rawDevice) next(t *testing.T) *paho.Publish {
	t.Helper()
	select {
	case m := <-d.msgs:
		return m
	case <-time.After(waitFor):
		t.Fatal("no notification received")
	}
	return nil
}

func TestMosquittoACLSeparatesDevices(t *testing.T) {
	m := startMosquittoWithACL(t, map[string]string{"tunneld": "tunneld-secret", "robot-a": "a-secret", "robot-b": "b-secret"})
	in := servertest.Start(t, server.Config{MQTTURL: "mqtt://" + m.addr, MQTTUsername: "tunneld", MQTTPassword: "tunneld-secret"})
	topic := func(thing string) string { return notifymsg.Topic("", thing) }
	a := dialDevice(t, m.addr, "robot-a", "a-secret")
	b := dialDevice(t, m.addr, "robot-b", "b-secret")
	a.subscribe(topic("robot-b"))
	a.subscribe("$aws/things/+/tunnels/notify")
	a.subscribe(topic("robot-a"))
	b.subscribe(topic("robot-b"))

	// Device A forges a notification for B: mosquitto must drop it.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	a.c.Publish(ctx, &paho.Publish{Topic: topic("robot-b"), QoS: 1, Payload: []byte(`{"clientAccessToken":"forged"}`)})

	// tunneld publishes B's then A's notification. Each device's first
	// message must be its own: had A been given B's (or B A's forgery), it
	// would have come first.
	tb := openTunnel(t, in, "robot-b", "SSH")
	ta := openTunnel(t, in, "robot-a", "SSH")
	for _, c := range []struct {
		d     *rawDevice
		thing string
		token string
	}{{b, "robot-b", tb.DestinationAccessToken}, {a, "robot-a", ta.DestinationAccessToken}} {
		msg := c.d.next(t)
		var n notifymsg.Message
		json.Unmarshal(msg.Payload, &n)
		if msg.Topic != topic(c.thing) || n.ClientAccessToken != c.token {
			t.Fatalf("%s first received %q on %s, want its own notification from tunneld", c.thing, msg.Payload, msg.Topic)
		}
	}
	// A's wildcard subscription may bring its own notification a second
	// time (overlapping subscriptions), never another thing's.
	for {
		select {
		case msg := <-a.msgs:
			if msg.Topic != topic("robot-a") {
				t.Fatalf("robot-a received %q on %s", msg.Payload, msg.Topic)
			}
		case <-time.After(300 * time.Millisecond): // negative check; deliveries above took less
			return
		}
	}
}
