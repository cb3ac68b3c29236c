package agent_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// mosquitto is a real mosquitto broker run by a test.
type mosquitto struct {
	bin, conf, addr string
	cmd             *exec.Cmd
	done            chan struct{}
}

// startMosquitto runs mosquitto on a free loopback port until the test
// ends. Without the binary the test fails when CI=true and skips
// otherwise.
func startMosquitto(t *testing.T) *mosquitto {
	t.Helper()
	return startMosquittoConf(t, "allow_anonymous true\n")
}

// startMosquittoConf is startMosquitto with extra configuration lines.
func startMosquittoConf(t *testing.T, extra string) *mosquitto {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mosquitto not installed (apt-get install mosquitto)")
		}
		t.Skip("mosquitto not installed")
	}
	// mosquitto needs a fixed port: take a free one and hand it over.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	text := fmt.Sprintf("listener %s 127.0.0.1\npersistence false\nlog_dest stderr\n%s", port, extra)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &mosquitto{bin: bin, conf: conf, addr: addr}
	m.start(t)
	t.Cleanup(m.stop)
	return m
}

func (m *mosquitto) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command(m.bin, "-c", m.conf)
	m.cmd.Stderr = tlogWriter{t}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.done = make(chan struct{})
	go func() { m.cmd.Wait(); close(m.done) }()
	// Readiness of an external daemon: retry connecting, bounded.
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", m.addr); err == nil {
			c.Close()
			return
		}
		select {
		case <-m.done:
			t.Fatal("mosquitto exited")
		case <-time.After(25 * time.Millisecond):
		}
	}
	t.Fatal("mosquitto did not listen")
}

func (m *mosquitto) stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		m.cmd.Process.Kill()
		<-m.done
	}
}

func TestEndToEndMosquitto(t *testing.T) {
	m := startMosquitto(t)
	in := servertest.Start(t, server.Config{MQTTURL: "mqtt://" + m.addr})
	echo := echoServer(t)
	ra := startAgent(t, agent.Config{MQTT: mqttCfg("mqtt://" + m.addr), ThingName: "robot-m",
		Topic: "$aws/things/%s/tunnels/notify", Endpoint: "ws://" + in.Addr,
		Services: []localproxy.Service{{ID: "SSH", Addr: echo}}})
	tun := openTunnel(t, in, "robot-m", "SSH")
	ra.wait(t, agent.EventConnected)
	src := startSource(t, in, tun.SourceAccessToken, "SSH")
	echoRoundTrip(t, src, "via mosquitto")

	// Broker restart: the tunnel keeps working, the agent resubscribes and
	// handles the next notification (a rotation).
	m.stop()
	echoRoundTrip(t, src, "during the outage")
	m.start(t)
	ra.wait(t, agent.EventSubscribed)
	in.MustCall(t, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "DESTINATION",
		"destinationConfig": map[string]any{"thingName": "robot-m", "services": []string{"SSH"}}}, nil)
	ra.wait(t, agent.EventEnded)
	ra.wait(t, agent.EventConnected)
	echoRoundTrip(t, src, "after rotation")
}
