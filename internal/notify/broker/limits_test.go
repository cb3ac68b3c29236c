package broker_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/metricstest"
	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/devices"
)

// str is an MQTT length-prefixed string.
func str(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }

// connectV311 is an MQTT 3.1.1 CONNECT packet.
func connectV311(id, user, pass string) []byte {
	flags := byte(0x02)
	body := append(str("MQTT"), 4, 0, 0, 60)
	body = append(body, str(id)...)
	if user != "" {
		flags |= 0x80
		body = append(body, str(user)...)
	}
	if pass != "" {
		flags |= 0x40
		body = append(body, str(pass)...)
	}
	body[7] = flags
	return append([]byte{0x10, byte(len(body))}, body...)
}

// rawDial opens a TCP connection with a deadline for the whole test step.
func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(waitFor))
	t.Cleanup(func() { c.Close() })
	return c
}

// readN reads n bytes or fails.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

// closedByServer reports whether the broker closes c (EOF or reset)
// before waitFor.
func closedByServer(c net.Conn) bool {
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

func TestRefusedSubscriptionV311(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	c := rawDial(t, f.b.Addr())
	c.Write(connectV311("v3-a", "robot-a", "pw-a-secret"))
	if ack := readN(t, c, 4); !bytes.Equal(ack, []byte{0x20, 2, 0, 0}) {
		t.Fatalf("CONNACK % x, want accepted", ack)
	}
	for i, filter := range []string{topic("robot-b"), "$aws/things/+/tunnels/notify", topic("robot-a")} {
		body := append([]byte{0, byte(i + 1)}, str(filter)...)
		body = append(body, 1)
		c.Write(append([]byte{0x82, byte(len(body))}, body...))
		want := []byte{0x90, 3, 0, byte(i + 1), 0x80}
		if i == 2 {
			want[4] = 1
		}
		if ack := readN(t, c, 5); !bytes.Equal(ack, want) {
			t.Errorf("SUBACK for %q: % x, want % x", filter, ack, want)
		}
	}
}

// TestOversizedPacketsRefused: ten clients each claim a 256 MiB packet
// (half of them in CONNECT, half in a PUBLISH after logging in); the
// broker closes them without allocating the claimed size.
func TestOversizedPacketsRefused(t *testing.T) {
	f := start(t, broker.Config{AllowAnonymous: true})
	huge := []byte{0xff, 0xff, 0xff, 0x7f} // remaining length 268,435,455
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 10)
	for i := range conns {
		c := rawDial(t, f.b.Addr())
		if i%2 == 0 {
			c.Write(append([]byte{0x10}, huge...))
		} else {
			c.Write(connectV311("big-"+string(rune('a'+i)), "", ""))
			readN(t, c, 4)
			c.Write(append([]byte{0x30}, huge...))
		}
		c.Write(make([]byte, 1024))
		conns[i] = c
	}
	for i, c := range conns {
		if !closedByServer(c) {
			t.Errorf("connection %d claiming 256 MiB still open after %v", i, waitFor)
		}
	}
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %d KiB for 10 clients claiming 256 MiB each", grew>>10)
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB for 10 oversized packets", grew>>20)
	}
	// A notification-sized packet still passes.
	ok := rawDial(t, f.b.Addr())
	ok.Write(connectV311("fine", "", ""))
	if ack := readN(t, ok, 4); ack[3] != 0 {
		t.Fatalf("CONNACK % x", ack)
	}
}

func TestConnectionCap(t *testing.T) {
	f := start(t, broker.Config{MaxConnections: 3})
	setDevice(t, f.devices, devices.Device{ThingName: "robot-a"}, "pw-a-secret")
	if err := f.b.Reload(); err != nil {
		t.Fatal(err)
	}
	idle := []net.Conn{rawDial(t, f.b.Addr()), rawDial(t, f.b.Addr()), rawDial(t, f.b.Addr())}
	extra := rawDial(t, f.b.Addr())
	if !closedByServer(extra) {
		t.Fatal("a fourth connection was kept open with a cap of 3")
	}
	m := metricsText(t, f.b)
	if !strings.Contains(m, "adit_mqtt_connections_refused_total 1") {
		t.Errorf("metrics lack the refused connection:\n%s", m)
	}
	idle[0].Close()
	// The slot frees once the broker has seen the close: retry, bounded.
	var err error
	for range 50 {
		if _, err = dial(t, f.b.Addr(), nil, "robot-a", "pw-a-secret"); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no login after a slot was freed: %v", err)
}

// TestSlowClientMemoryIsBounded: a device that subscribes and then stops
// reading and acknowledging gets at most 32 messages held for it; the
// rest of 1000 notifications are dropped and counted.
func TestSlowClientMemoryIsBounded(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	c := rawDial(t, f.b.Addr())
	c.Write(connectV311("slow", "robot-a", "pw-a-secret"))
	readN(t, c, 4)
	body := append([]byte{0, 1}, str(topic("robot-a"))...)
	c.Write(append([]byte{0x82, byte(len(body) + 1)}, append(body, 1)...))
	readN(t, c, 5)
	payload := bytes.Repeat([]byte("n"), 900)
	for range 1000 {
		f.b.Publish(topic("robot-a"), payload, false, 1)
	}
	m := metricsText(t, f.b)
	var dropped int
	for _, line := range strings.Split(m, "\n") {
		if v, ok := strings.CutPrefix(line, "adit_mqtt_messages_dropped_total "); ok {
			fmt.Sscan(v, &dropped)
		}
	}
	if dropped < 1000-32 {
		t.Fatalf("%d of 1000 messages dropped for a client that reads nothing, want at least %d", dropped, 1000-32)
	}
}

// metricsText is b's metrics in the text exposition format.
func metricsText(t *testing.T, b *broker.Broker) string {
	t.Helper()
	return metricstest.Text(t, broker.Collectors(func() *broker.Broker { return b })...)
}
