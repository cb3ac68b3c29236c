package agent_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/looptest"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// mosquitto is a real mosquitto broker run by a test. It listens on a
// Unix socket (sock), and clients reach it at addr, a loopback TCP port
// the OS chose that forwards to the socket (looptest.Forward): mosquitto
// cannot listen on port 0 and report the port, and addr stays the same
// across a stop and start.
type mosquitto struct {
	bin, conf, sock, addr string
	cmd                   *exec.Cmd
	done                  chan struct{}
}

// startMosquitto runs mosquitto until the test ends. Without the binary the test fails when CI=true and skips
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
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sock, conf := filepath.Join(dir, "mqtt.sock"), filepath.Join(dir, "mosquitto.conf")
	// user: mosquitto started as root would otherwise switch to the
	// mosquitto user, which cannot use the test's private directory.
	text := fmt.Sprintf("listener 0 %s\nuser %s\npersistence false\nlog_dest stderr\n%s", sock, me.Username, extra)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	front := looptest.Forward(t, "unix", func() string { return sock })
	m := &mosquitto{bin: bin, conf: conf, sock: sock, addr: front.Addr().String()}
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
		if c, err := net.Dial("unix", m.sock); err == nil {
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
