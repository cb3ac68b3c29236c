package console

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/notify/mqttconn"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/tunnel"
)

const sshdPath = "/usr/sbin/sshd"

// sshd is a throwaway OpenSSH server on loopback: key login for the
// current user, password login switched on (no password is right).
type sshd struct {
	addr, user, keyFile, dir string
}

func startSSHD(t testing.TB) *sshd {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		need(t, "OpenSSH server", "apt-get install -y openssh-server openssh-client")
	}
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		need(t, "ssh-keygen", "apt-get install -y openssh-client")
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostKey, userKey := filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "id_ed25519")
	for _, f := range []string{hostKey, userKey} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(userKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755) // privilege-separation directory
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cfg := strings.Join([]string{"Port " + port, "ListenAddress 127.0.0.1", "HostKey " + hostKey,
		"PidFile " + filepath.Join(dir, "sshd.pid"), "AuthorizedKeysFile " + authKeys, "StrictModes no",
		"UsePAM no", "PubkeyAuthentication yes", "PasswordAuthentication yes", "KbdInteractiveAuthentication no",
		"PermitRootLogin yes", "AllowUsers " + me.Username, "MaxAuthTries 3", "LogLevel VERBOSE",
		// A plain interactive bash: the machine's startup scripts (pyenv,
		// cargo...) can be slow or wait on locks, which is not what is
		// tested. Debian's bash sources ~/.bashrc even for "bash -c" when run
		// by sshd at shell level < 2, hence SHLVL.
		"SetEnv SHLVL=5", "ForceCommand exec /bin/bash --noprofile --norc -i", ""}, "\n")
	cfgFile := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfgFile)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Server listening on 127.0.0.1 port "+port) {
				close(ready)
			}
			t.Logf("sshd: %s", sc.Text())
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("sshd did not start listening within 20s")
	}
	return &sshd{addr: "127.0.0.1:" + port, user: me.Username, keyFile: userKey, dir: dir}
}

// env is a tunneld with its embedded broker, and an agent for thing
// "dev1" that serves the sshd as SSH.
type env struct {
	in   *servertest.Instance
	sshd *sshd
}

func startEnv(t testing.TB) *env {
	t.Helper()
	s := startSSHD(t)
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	subscribed := make(chan struct{}, 1)
	a, err := agent.New(agent.Config{
		OnEvent: func(e agent.Event) {
			if e.Kind == agent.EventSubscribed {
				select {
				case subscribed <- struct{}{}:
				default:
				}
			}
		},
		MQTT:      mqttconn.Config{URL: "mqtt://" + in.Server.MQTTAddr(), Username: "dev1", Password: in.AddDevice(t, "dev1")},
		ThingName: "dev1",
		Endpoint:  "ws://" + in.Addr,
		Services:  []localproxy.Service{{ID: "SSH", Addr: s.addr}},
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("agent did not stop within 20s")
		}
	})
	select {
	case <-subscribed:
	case <-time.After(20 * time.Second):
		t.Fatal("agent did not subscribe within 20s")
	}
	return &env{in: in, sshd: s}
}

// startDestination runs a destination local proxy for the SSH service
// until the test ends.
func startDestination(t testing.TB, in *servertest.Instance, token, sshAddr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- localproxy.Run(ctx, localproxy.Config{Mode: tunnel.ModeDestination, Endpoint: "ws://" + in.Addr,
			AccessToken: token, Services: []localproxy.Service{{ID: "SSH", Addr: sshAddr}}})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("destination proxy did not stop within 20s")
		}
	})
}

// startEnvNoDevice is a tunneld alone.
func startEnvNoDevice(t testing.TB) *servertest.Instance {
	t.Helper()
	return servertest.Start(t, server.Config{MQTTListen: "off"})
}
