package console

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/looptest"
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
	cfg := strings.Join([]string{"HostKey " + hostKey,
		"PidFile none", "AuthorizedKeysFile " + authKeys, "StrictModes no",
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
	if out, err := exec.Command(sshdPath, "-t", "-f", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	// Each connection gets its own sshd -i (inetd mode) on a port the OS
	// chose: no port is picked and handed to sshd.
	ln := looptest.ServeInetd(t, "sshd", func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, sshdPath, "-i", "-e", "-f", cfgFile)
	})
	return &sshd{addr: ln.Addr().String(), user: me.Username, keyFile: userKey, dir: dir}
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
