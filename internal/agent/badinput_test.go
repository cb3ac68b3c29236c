package agent_test

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/looptest"
	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

const testTopic = "aws/things/%s/tunnels/notify"

// startBroker runs a standalone embedded broker on addr until the test
// ends or it is closed.
func startBroker(t testing.TB, addr string) *broker.Broker {
	t.Helper()
	// These tests are about notification payloads, not identities: the
	// broker admits the agent anonymously.
	b, err := broker.Start(broker.Config{Listen: addr, AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func message(token, mode string, services ...string) []byte {
	b, _ := json.Marshal(notifymsg.Message{ClientAccessToken: token, ClientMode: mode, Region: "us-east-1", Services: services})
	return b
}

func publish(t testing.TB, b *broker.Broker, thing string, payload []byte) {
	t.Helper()
	if err := b.Publish(notifymsg.Topic(testTopic, thing), payload, false, 1); err != nil {
		t.Fatal(err)
	}
}

func TestBadInput(t *testing.T) {
	in := servertest.Start(t, server.Config{})
	b := startBroker(t, "127.0.0.1:0")
	echo := echoServer(t)
	ra := startAgent(t, agent.Config{MQTT: mqttCfg("mqtt://" + b.Addr()), ThingName: "dev", Endpoint: "ws://" + in.Addr,
		Services: []localproxy.Service{{ID: "SSH", Addr: echo}}})
	tests := []struct {
		name    string
		payload []byte
		reason  string
	}{
		{"bad JSON", []byte(`{"clientAccessToken":`), "bad JSON"},
		{"not an object", []byte(`[1,2]`), "bad JSON"},
		{"source mode", message("adt1.x", "source", "SSH"), "not destination"},
		{"missing token", message("", "destination", "SSH"), "missing clientAccessToken"},
		{"missing services", message("adt1.x", "destination"), "missing services"},
		{"unknown service", message("adt1.x", "destination", "RDP"), "not in the service map"},
		{"one unknown of two", message("adt1.y", "destination", "SSH", "RDP"), "not in the service map"},
		{"duplicate services", message("adt1.x", "destination", "SSH", "SSH"), "duplicate"},
		{"oversize", []byte(`{"x":"` + strings.Repeat("a", 64<<10) + `"}`), "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			publish(t, b, "dev", tt.payload)
			if e := ra.wait(t, agent.EventRejected); !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("reason %q, want it to contain %q", e.Reason, tt.reason)
			}
		})
	}
	t.Run("token the relay rejects", func(t *testing.T) {
		publish(t, b, "dev", message("adt1.bogus-token-bogus-token-bogus-token-0000", "destination", "SSH"))
		if e := ra.wait(t, agent.EventEnded); e.Err == nil {
			t.Fatal("session with a rejected token ended without error")
		}
	})
	t.Run("flood", func(t *testing.T) {
		// The embedded broker holds at most 32 unacknowledged QoS 1
		// messages per client and drops the rest of a burst; the agent
		// must reject what reaches it and keep serving.
		for range 2000 {
			publish(t, b, "dev", []byte("garbage"))
		}
		for range 32 {
			ra.wait(t, agent.EventRejected)
		}
	})
	t.Run("still serves", func(t *testing.T) {
		tun := in.OpenTunnel(t, "SSH")
		publish(t, b, "dev", message(tun.DestinationAccessToken, "destination", "SSH"))
		ra.wait(t, agent.EventConnected)
		publish(t, b, "dev", message(tun.DestinationAccessToken, "destination", "SSH"))
		ra.wait(t, agent.EventDuplicate)
		echoRoundTrip(t, startSource(t, in, tun.SourceAccessToken, "SSH"), "still alive")
	})
}

func TestMaxTunnels(t *testing.T) {
	in := servertest.Start(t, server.Config{})
	b := startBroker(t, "127.0.0.1:0")
	ra := startAgent(t, agent.Config{MQTT: mqttCfg("mqtt://" + b.Addr()), ThingName: "dev", Endpoint: "ws://" + in.Addr,
		MaxTunnels: 1, Services: []localproxy.Service{{ID: "A", Addr: "1"}, {ID: "B", Addr: "2"}}})
	publish(t, b, "dev", message(in.OpenTunnel(t, "A").DestinationAccessToken, "destination", "A"))
	ra.wait(t, agent.EventConnected)
	publish(t, b, "dev", message(in.OpenTunnel(t, "B").DestinationAccessToken, "destination", "B"))
	if e := ra.wait(t, agent.EventRejected); !strings.Contains(e.Reason, "too many") {
		t.Fatalf("reason %q", e.Reason)
	}
}

func TestBrokerRestart(t *testing.T) {
	in := servertest.Start(t, server.Config{})
	// The agent dials one address; behind it (looptest.Forward) the broker,
	// then nothing, then a new broker on a port the OS chose.
	var up atomic.Value
	b := startBroker(t, "127.0.0.1:0")
	up.Store(b.Addr())
	addr := looptest.Forward(t, "tcp", func() string { return up.Load().(string) }).Addr().String()
	echo := echoServer(t)
	ra := startAgent(t, agent.Config{MQTT: mqttCfg("mqtt://" + addr), ThingName: "dev", Endpoint: "ws://" + in.Addr,
		Services: []localproxy.Service{{ID: "SSH", Addr: echo}, {ID: "WEB", Addr: echo}}})
	tun := in.OpenTunnel(t, "SSH")
	publish(t, b, "dev", message(tun.DestinationAccessToken, "destination", "SSH"))
	ra.wait(t, agent.EventConnected)
	src := startSource(t, in, tun.SourceAccessToken, "SSH")
	echoRoundTrip(t, src, "before restart")

	up.Store("")
	b.Close()
	echoRoundTrip(t, src, "during the outage")
	b2 := startBroker(t, "127.0.0.1:0")
	up.Store(b2.Addr())
	ra.wait(t, agent.EventSubscribed)
	echoRoundTrip(t, src, "after restart")

	tun2 := in.OpenTunnel(t, "WEB")
	publish(t, b2, "dev", message(tun2.DestinationAccessToken, "destination", "WEB"))
	ra.wait(t, agent.EventConnected)
	echoRoundTrip(t, startSource(t, in, tun2.SourceAccessToken, "WEB"), "next notification")
	if n := len(ra.a.Sessions()); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
}
