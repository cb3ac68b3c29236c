package broker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/devices"
)

func topic(thing string) string { return "$aws/things/" + thing + "/tunnels/notify" }

// twoDevices starts a broker with robot-a and robot-b (passwords pw-a…,
// pw-b…), loaded with Reload.
func twoDevices(t *testing.T, cfg broker.Config) *fixture {
	t.Helper()
	f := start(t, cfg)
	setDevice(t, f.devices, devices.Device{ThingName: "robot-a"}, "pw-a-secret")
	setDevice(t, f.devices, devices.Device{ThingName: "robot-b"}, "pw-b-secret")
	if err := f.b.Reload(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDeviceReadsOnlyItsOwnTopic(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	a := mustDial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret")
	b := mustDial(t, f.b.Addr(), nil, "robot-b", "pw-b-secret")
	for _, filter := range []string{topic("robot-b"), "$aws/things/+/tunnels/notify", "#", "$aws/#",
		topic("robot-a") + "/#", "$aws/things/robot-a/+/notify", "$share/g/" + topic("robot-a")} {
		if code := a.subscribe(t, filter); code != 0x87 {
			t.Errorf("robot-a subscribing to %q: reason 0x%02x, want 0x87 (not authorized)", filter, code)
		}
	}
	if code := a.subscribe(t, topic("robot-a")); code != 1 {
		t.Fatalf("robot-a subscribing to its own topic: reason 0x%02x, want 1 (QoS 1 granted)", code)
	}
	if code := b.subscribe(t, topic("robot-b")); code != 1 {
		t.Fatalf("robot-b subscribing to its own topic: reason 0x%02x", code)
	}
	// Published in this order on one broker: were robot-a to get robot-b's
	// notification, it would arrive before its own.
	f.b.Publish(topic("robot-b"), []byte("for-b"), false, 1)
	f.b.Publish(topic("robot-a"), []byte("for-a"), false, 1)
	if m := a.receive(t); string(m.Payload) != "for-a" {
		t.Fatalf("robot-a received %q on %s, want only its own notification", m.Payload, m.Topic)
	}
	if m := b.receive(t); string(m.Payload) != "for-b" {
		t.Fatalf("robot-b received %q", m.Payload)
	}

	// No device may publish, not even to its own topic.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	pr, err := a.c.Publish(ctx, &paho.Publish{Topic: topic("robot-b"), QoS: 1, Payload: []byte("forged")})
	if err == nil && (pr == nil || pr.ReasonCode < 0x80) {
		t.Fatalf("a device's publish was accepted: %+v", pr)
	}
	f.b.Publish(topic("robot-b"), []byte("real"), false, 1)
	if m := b.receive(t); string(m.Payload) != "real" {
		t.Fatalf("robot-b received %q, want the real notification only (forged one delivered?)", m.Payload)
	}
	metrics := metricsText(t, f.b)
	if !strings.Contains(metrics, "adit_mqtt_subscriptions_refused_total 7") {
		t.Errorf("metrics lack 7 refused subscriptions:\n%s", metrics)
	}
}

func TestRefusedLogins(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	setDevice(t, f.devices, devices.Device{ThingName: "robot-r", Revoked: true}, "pw-r-secret")
	if err := f.b.Reload(); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, user, pass, method, reason string }{
		{"wrong password", "robot-a", "pw-b-secret", broker.MethodPassword, "wrong password"},
		{"unknown thing", "robot-x", "pw-a-secret", broker.MethodPassword, "unknown username"},
		{"revoked thing", "robot-r", "pw-r-secret", broker.MethodPassword, "revoked"},
		{"anonymous", "", "", broker.MethodAnonymous, "anonymous access is off"},
	}
	for i, c := range cases {
		if _, err := dial(t, f.b.Addr(), nil, c.user, c.pass); err == nil {
			t.Fatalf("%s: login accepted", c.name)
		}
		got := f.failure(t)
		if got.Method != c.method || !strings.Contains(got.Reason, c.reason) || got.Username != c.user ||
			!strings.HasPrefix(got.RemoteAddr, "127.0.0.1:") || got.ClientID == "" {
			t.Errorf("%s: failure report %+v, want method %s, reason with %q", c.name, got, c.method, c.reason)
		}
		if strings.Contains(got.Reason, c.pass) && c.pass != "" {
			t.Errorf("%s: the reason contains the password", c.name)
		}
		if n := f.b.AuthFailures(); n != int64(i+1) {
			t.Errorf("%s: AuthFailures = %d, want %d", c.name, n, i+1)
		}
	}
	metrics := metricsText(t, f.b)
	for _, want := range []string{`adit_mqtt_auth_failures_total{method="password"} 3`, `adit_mqtt_auth_failures_total{method="anonymous"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
	// The right password still works after the failures.
	mustDial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret")
}

func TestAnonymousAndSharedLoginReadEverything(t *testing.T) {
	f := start(t, broker.Config{AllowAnonymous: true, Username: "fleet", Password: "fleet-secret"})
	for _, who := range []struct{ user, pass string }{{"", ""}, {"fleet", "fleet-secret"}} {
		cl := mustDial(t, f.b.Addr(), nil, who.user, who.pass)
		if code := cl.subscribe(t, "$aws/things/+/tunnels/notify"); code != 1 {
			t.Fatalf("%q: wildcard subscription refused (0x%02x)", who.user, code)
		}
		f.b.Publish(topic("robot-z"), []byte("z"), false, 1)
		if m := cl.receive(t); string(m.Payload) != "z" {
			t.Fatalf("%q received %q", who.user, m.Payload)
		}
	}
	if _, err := dial(t, f.b.Addr(), nil, "fleet", "wrong"); err == nil {
		t.Fatal("shared login with a wrong password accepted")
	}
	f.failure(t)
}

func TestRevocationDisconnects(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	a := mustDial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret")
	b := mustDial(t, f.b.Addr(), nil, "robot-b", "pw-b-secret")
	// As `tunneld device revoke` does: rewrite the file; the broker's
	// one-second poll notices it.
	file, _ := devices.Read(f.devices)
	file.Devices[0].Revoked, file.Devices[0].PasswordHash = true, ""
	if err := devices.Write(f.devices, file); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.gone:
	case <-time.After(5 * time.Second):
		t.Fatal("revoked robot-a still connected after 5 s")
	}
	select {
	case <-b.gone:
		t.Fatal("robot-b was disconnected too")
	default:
	}
	if code := b.subscribe(t, topic("robot-b")); code != 1 {
		t.Fatalf("robot-b after the reload: 0x%02x", code)
	}
	if _, err := dial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret"); err == nil {
		t.Fatal("revoked robot-a could log in again")
	}
}

func TestBadDevicesFileKeepsThePreviousOne(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	for _, bad := range []string{`{"devices": [{"thingName": "robot-a"}, {"thingName": "robot-a"}]}`,
		`{"devices": [{"thingName": "robot+a"}]}`, `{"devices": [{"thingName": "x", "passwordHash": "plain"}]}`,
		`{"devices": [], "extra": 1}`, `not json`} {
		writeRaw(t, f.devices, bad)
		if err := f.b.Reload(); err == nil {
			t.Fatalf("Reload accepted %s", bad)
		}
		mustDial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret")
	}
}
