package broker_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/devices"
)

func TestClientCertificates(t *testing.T) {
	serverTLS, clientTLS := tlsPair(t)
	ca, otherCA := newCA(t, "device CA"), newCA(t, "someone else's CA")
	f := start(t, broker.Config{TLS: serverTLS, ClientCAs: ca.pool})
	setDevice(t, f.devices, devices.Device{ThingName: "robot-p"}, "pw-p-secret")
	if err := f.b.Reload(); err != nil {
		t.Fatal(err)
	}

	good, _ := ca.issue(t, "robot-c", []string{"robot-c"}, false)
	c := mustDial(t, f.b.Addr(), clientTLS(&good), "", "")
	if code := c.subscribe(t, topic("robot-d")); code != 0x87 {
		t.Fatalf("certificate device subscribing to another thing's topic: 0x%02x", code)
	}
	if code := c.subscribe(t, topic("robot-c")); code != 1 {
		t.Fatalf("certificate device subscribing to its own topic: 0x%02x", code)
	}
	f.b.Publish(topic("robot-c"), []byte("for-c"), false, 1)
	if m := c.receive(t); string(m.Payload) != "for-c" {
		t.Fatalf("received %q", m.Payload)
	}
	// A password device still logs in on the TLS listener without a
	// certificate.
	mustDial(t, f.b.Addr(), clientTLS(nil), "robot-p", "pw-p-secret")
	sanOnly, _ := ca.issue(t, "", []string{"robot-s"}, false)
	s := mustDial(t, f.b.Addr(), clientTLS(&sanOnly), "robot-s", "")
	if code := s.subscribe(t, topic("robot-s")); code != 1 {
		t.Fatalf("SAN-only certificate: 0x%02x", code)
	}

	foreign, _ := otherCA.issue(t, "robot-c", nil, false)
	ambiguous, _ := ca.issue(t, "robot-c", []string{"robot-d"}, false)
	revokedCert, leaf := ca.issue(t, "robot-v", nil, false)
	refused := []struct {
		name   string
		cert   tls.Certificate
		user   string
		reason string
	}{
		{"another CA", foreign, "", "certificate not accepted"},
		{"two things", ambiguous, "", "exactly one thing"},
		{"username of another thing", good, "robot-d", "does not match"},
		{"revoked thing", good, "", "revoked"},
		{"revoked serial", revokedCert, "", "revoked"},
	}
	for _, r := range refused {
		if r.name == "revoked thing" {
			setDevice(t, f.devices, devices.Device{ThingName: "robot-c", Revoked: true}, "")
			setDevice(t, f.devices, devices.Device{ThingName: "robot-v",
				RevokedCertificateSerials: []string{leaf.SerialNumber.Text(16)}}, "")
			if err := f.b.Reload(); err != nil {
				t.Fatal(err)
			}
			select { // the connected robot-c is disconnected by the reload
			case <-c.gone:
			case <-time.After(waitFor):
				t.Fatal("revoked robot-c still connected")
			}
		}
		if _, err := dial(t, f.b.Addr(), clientTLS(&r.cert), r.user, ""); err == nil {
			t.Fatalf("%s: login accepted", r.name)
		}
		got := f.failure(t)
		if got.Method != broker.MethodCertificate || !strings.Contains(got.Reason, r.reason) {
			t.Errorf("%s: failure %+v, want certificate, %q", r.name, got, r.reason)
		}
	}
}
