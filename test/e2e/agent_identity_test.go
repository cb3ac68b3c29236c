package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// writeDeviceCA writes a device CA and a client certificate for thing
// (CN = thing) signed by it, as PEM files in dir.
func writeDeviceCA(t *testing.T, dir, thing string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: thing},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("device-ca.pem", "CERTIFICATE", caDER), write("device.crt", "CERTIFICATE", der), write("device.key", "PRIVATE KEY", keyDER)
}

// TestAgentClientCertificate: tunnelagent logs in to tunneld's embedded
// broker over TLS with a client certificate naming its thing (no
// password), receives the notification of a tunnel opened for it and
// connects the destination.
func TestAgentClientCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caFile, certFile, keyFile := writeDeviceCA(t, dir, "robot-cert")
	in := servertest.Start(t, server.Config{TLSSelfSigned: true, MQTTListen: "127.0.0.1:0", MQTTTLS: true, MQTTClientCA: caFile})
	agent := startProc(t, "tunnelagent", tunnelagent(t), nil,
		"--mqtt-url", "mqtts://"+in.Server.MQTTAddr(), "--mqtt-ca", in.CAFile,
		"--mqtt-cert", certFile, "--mqtt-key", keyFile, "--thing-name", "robot-cert",
		"--endpoint", "wss://"+in.Addr, "--ca-bundle", in.CAFile, "--destination-app", "SSH=127.0.0.1:9", "-v", "debug")
	agent.waitMatches(t, reAgentSubscribed, 1, waitFor)
	var tun servertest.OpenTunnelResult
	in.MustCall(t, "OpenTunnel", map[string]any{
		"destinationConfig": map[string]any{"thingName": "robot-cert", "services": []string{"SSH"}},
	}, &tun)
	agent.waitMatches(t, regexp.MustCompile(`connected to the tunnel`), 1, waitFor)
}

// TestAgentOwnPassword: the operator gives the device a password with
// `tunneld device add`; tunnelagent logs in with it (no sshd involved),
// receives the notification and connects the destination. A second
// agent claiming the thing with a wrong password gets nothing.
func TestAgentOwnPassword(t *testing.T) {
	t.Parallel()
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	pw, err := exec.Command(tunneld(t), "device", "add", "robot-pw", "--data-dir", in.DataDir).Output()
	if err != nil {
		t.Fatalf("tunneld device add: %v", err)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatal(err)
	}
	args := []string{"--mqtt-url", "mqtt://" + in.Server.MQTTAddr(), "--mqtt-username", "robot-pw", "--thing-name", "robot-pw",
		"--endpoint", wsEndpoint(in), "--destination-app", "SSH=127.0.0.1:9", "-v", "debug"}
	intruder := startProc(t, "intruder tunnelagent", tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=guessed-wrong"},
		append(args, "--client-id", "intruder")...)
	agent := startProc(t, "tunnelagent", tunnelagent(t), []string{"TUNNELAGENT_MQTT_PASSWORD=" + strings.TrimSpace(string(pw))}, args...)
	agent.waitMatches(t, reAgentSubscribed, 1, waitFor)
	in.MustCall(t, "OpenTunnel", map[string]any{
		"destinationConfig": map[string]any{"thingName": "robot-pw", "services": []string{"SSH"}},
	}, nil)
	agent.waitMatches(t, regexp.MustCompile(`connected to the tunnel`), 1, waitFor)
	intruder.waitMatches(t, regexp.MustCompile(`mqtt connect failed`), 1, waitFor)
	if intruder.count(reAgentSession) > 0 {
		t.Fatal("an agent with a wrong password received the notification")
	}
}
