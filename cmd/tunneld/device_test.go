package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// device runs `tunneld device ARGS...` and returns its exit status and
// output.
func device(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runDevice(args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDeviceCommands(t *testing.T) {
	dir := t.TempDir()
	code, pw, msg := device("", "add", "robot-1", "--data-dir", dir)
	pw = strings.TrimSpace(pw)
	if code != 0 || len(pw) < 30 {
		t.Fatalf("add: status %d, password %q, %s", code, pw, msg)
	}
	path := filepath.Join(dir, "mqtt-devices.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("devices file mode %v, want 0600", fi.Mode().Perm())
	}
	if strings.Contains(string(data), pw) || !strings.Contains(string(data), "pbkdf2-sha256$600000$") {
		t.Errorf("devices file does not hold a PBKDF2 hash only:\n%s", data)
	}
	if code, _, msg := device("", "add", "robot-1", "--data-dir", dir); code != 1 || !strings.Contains(msg, "already has a password") {
		t.Errorf("second add: status %d, %s", code, msg)
	}
	other := filepath.Join(t.TempDir(), "devs.json")
	if code, out, msg := device("a-chosen-password\n", "add", "--mqtt-devices", other, "robot-2", "--password-stdin"); code != 0 || out != "" {
		t.Fatalf("add --password-stdin: status %d, stdout %q, %s", code, out, msg)
	}
	if code, _, msg := device("", "revoke", "robot-1", "--data-dir", dir); code != 0 {
		t.Fatalf("revoke: %d %s", code, msg)
	}
	code, list, _ := device("", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(list, "robot-1") || !strings.Contains(list, "revoked") || strings.Contains(list, "pbkdf2") {
		t.Errorf("list: status %d:\n%s", code, list)
	}
	for _, bad := range [][]string{{"add", "robot/1"}, {"frobnicate"}, {"add"}, {"revoke", "a", "b"}, {}} {
		if code, _, _ := device("", append(bad, "--data-dir", dir)...); code != 2 {
			t.Errorf("%q: status %d, want 2", bad, code)
		}
	}
	if code, _, _ := device("short\n", "add", "robot-3", "--password-stdin", "--data-dir", dir); code != 1 {
		t.Errorf("an 5-byte password was accepted")
	}
}

// TestDeviceRevokeDisconnects: a device provisioned with `tunneld device
// add` logs in to a running tunneld's broker; `tunneld device revoke`
// ends its session within seconds, without restarting tunneld.
func TestDeviceRevokeDisconnects(t *testing.T) {
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	addr := in.Server.MQTTAddr()
	code, pw, msg := device("", "add", "robot-9", "--data-dir", in.DataDir)
	if code != 0 {
		t.Fatalf("add: %s", msg)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}, OnServerDisconnect: func(*paho.Disconnect) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "robot-9", CleanStart: true, KeepAlive: 30,
		Username: "robot-9", UsernameFlag: true, Password: []byte(strings.TrimSpace(pw)), PasswordFlag: true}); err != nil {
		t.Fatalf("login with the password `device add` printed: %v", err)
	}
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "$aws/things/robot-9/tunnels/notify", QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	if code, _, msg := device("", "revoke", "robot-9", "--data-dir", in.DataDir); code != 0 {
		t.Fatalf("revoke: %s", msg)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the revoked device is still connected 5 s after `tunneld device revoke`")
	}
}
