package broker_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"go.uber.org/goleak"

	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/devices"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitFor = 10 * time.Second

// fixture is a running broker with its devices file and refused logins.
type fixture struct {
	b       *broker.Broker
	devices string
	fails   chan broker.AuthFailure
}

// start runs a broker on a free port until the test ends. cfg's Listen,
// DevicesFile and OnAuthFailure are filled in.
func start(t *testing.T, cfg broker.Config) *fixture {
	t.Helper()
	f := &fixture{devices: filepath.Join(t.TempDir(), "mqtt-devices.json"), fails: make(chan broker.AuthFailure, 64)}
	cfg.Listen, cfg.DevicesFile = "127.0.0.1:0", f.devices
	cfg.OnAuthFailure = func(a broker.AuthFailure) { f.fails <- a }
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f.b = b
	return f
}

// setDevice writes (or replaces) thing's entry in the devices file.
func setDevice(t *testing.T, path string, d devices.Device, password string) {
	t.Helper()
	if password != "" {
		h, err := devices.HashPasswordIterations(password, devices.MinIterations)
		if err != nil {
			t.Fatal(err)
		}
		d.PasswordHash = h
	}
	file, err := devices.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	replaced := false
	for i := range file.Devices {
		if file.Devices[i].ThingName == d.ThingName {
			file.Devices[i], replaced = d, true
		}
	}
	if !replaced {
		file.Devices = append(file.Devices, d)
	}
	if err := devices.Write(path, file); err != nil {
		t.Fatal(err)
	}
}

// client is a real MQTT v5 client (paho).
type client struct {
	c    *paho.Client
	msgs chan *paho.Publish
	gone chan struct{} // closed when the server disconnects it
}

// dial connects a client; the CONNACK error is returned, not fatal.
func dial(t *testing.T, addr string, tc *tls.Config, user, pass string) (*client, error) {
	t.Helper()
	var conn net.Conn
	var err error
	if tc != nil {
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: waitFor}, "tcp", addr, tc)
	} else {
		conn, err = net.DialTimeout("tcp", addr, waitFor)
	}
	if err != nil {
		return nil, err
	}
	cl := &client{msgs: make(chan *paho.Publish, 16), gone: make(chan struct{})}
	cl.c = paho.NewClient(paho.ClientConfig{Conn: conn,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			cl.msgs <- pr.Packet
			return true, nil
		}},
		OnServerDisconnect: func(*paho.Disconnect) {},
		OnClientError:      func(error) {},
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	cp := &paho.Connect{ClientID: "c-" + user + "-" + t.Name(), CleanStart: true, KeepAlive: 30}
	if user != "" {
		cp.Username, cp.UsernameFlag = user, true
	}
	if pass != "" {
		cp.Password, cp.PasswordFlag = []byte(pass), true
	}
	if _, err := cl.c.Connect(ctx, cp); err != nil {
		conn.Close()
		<-cl.c.Done()
		return nil, err
	}
	go func() { <-cl.c.Done(); close(cl.gone) }()
	t.Cleanup(func() {
		cl.c.Disconnect(&paho.Disconnect{})
		conn.Close()
		<-cl.c.Done()
	})
	return cl, nil
}

// mustDial connects or fails the test.
func mustDial(t *testing.T, addr string, tc *tls.Config, user, pass string) *client {
	t.Helper()
	cl, err := dial(t, addr, tc, user, pass)
	if err != nil {
		t.Fatalf("connect as %q: %v", user, err)
	}
	return cl
}

// subscribe returns the SUBACK reason code for filter.
func (cl *client) subscribe(t *testing.T, filter string) byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	sa, err := cl.c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
	if sa == nil {
		t.Fatalf("subscribe %q: %v", filter, err)
	}
	return sa.Reasons[0]
}

// receive waits for one message.
func (cl *client) receive(t *testing.T) *paho.Publish {
	t.Helper()
	select {
	case m := <-cl.msgs:
		return m
	case <-time.After(waitFor):
		t.Fatal("no message received")
	}
	return nil
}

// failure waits for one refused-login report.
func (f *fixture) failure(t *testing.T) broker.AuthFailure {
	t.Helper()
	select {
	case a := <-f.fails:
		return a
	case <-time.After(waitFor):
		t.Fatal("no auth failure reported")
	}
	return broker.AuthFailure{}
}

func writeRaw(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
