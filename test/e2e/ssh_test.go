package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

const sshdPath = "/usr/sbin/sshd"

// requireOpenSSH fails in CI (CI=true) and skips elsewhere when the
// OpenSSH server or client is missing.
func requireOpenSSH(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(sshdPath); err != nil {
		missing = append(missing, sshdPath+" (openssh-server)")
	}
	for _, tool := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (openssh-client)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "OpenSSH is not installed: missing " + strings.Join(missing, ", ") +
		"; install it with: apt-get install -y openssh-server openssh-client (scripts/test.sh does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// sshServer is a temporary sshd on a loopback port with key
// authentication for the current user.
type sshServer struct {
	port    string
	userKey string
	user    string
	dir     string
}

// startSSHD serves OpenSSH on a 127.0.0.1 port the OS chose, with a
// temporary host key and authorized key: every connection to it is handed
// to its own `sshd -i` (inetd mode), so no port is picked and passed to
// sshd. sshd's log goes to the test log if the test fails.
func startSSHD(t *testing.T) *sshServer {
	t.Helper()
	requireOpenSSH(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	hostKey, userKey := filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "id_ed25519")
	run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e-host", "-f", hostKey)
	run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e-user", "-f", userKey)
	pub, err := os.ReadFile(userKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd needs its privilege-separation directory when run as root.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("create the sshd privilege-separation directory: %v", err)
		}
	}
	cfg := strings.Join([]string{
		"HostKey " + hostKey,
		"PidFile none",
		"AuthorizedKeysFile " + authKeys,
		"StrictModes no",
		"UsePAM no",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"AllowUsers " + me.Username,
		"LogLevel VERBOSE",
		// Debian's bash reads ~/.bashrc for commands run by sshd only when
		// SHLVL < 2; the machine's .bashrc (pyenv rehash, behind a lock
		// file) is not part of what these tests check and can stall them.
		"SetEnv SHLVL=5",
		"",
	}, "\n")
	cfgFile := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd -t checks the configuration once, so a bad one fails here.
	run(sshdPath, "-t", "-f", cfgFile)
	ln := looptest.ServeInetd(t, "sshd", func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, sshdPath, "-i", "-e", "-f", cfgFile)
	})
	return &sshServer{port: portOf(ln.Addr().String()), userKey: userKey, user: me.Username, dir: dir}
}

// run runs ssh to 127.0.0.1:port (a source proxy's port) with command and
// stdin, and returns its trimmed stdout.
func (s *sshServer) run(t *testing.T, port string, stdin io.Reader, command ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"-F", "/dev/null", "-p", port, "-i", s.userKey,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
		s.user + "@127.0.0.1"}, command...)
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ssh %s through the tunnel: %v; stdout %q; stderr:\n%s", strings.Join(command, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// TestOpenSSH: a real OpenSSH session through the tunnel. sshd runs as the
// destination's service on a loopback port with a temporary host key and
// key authentication for the current user; ssh connects to the source
// proxy's port and runs `echo ok`.
func TestOpenSSH(t *testing.T) {
	t.Parallel()
	sshd := startSSHD(t)
	in := startTunneld(t)
	_, _, _, addrs := pair(t, in, []string{"SSH"}, "SSH=127.0.0.1:"+sshd.port, osPorts()...)
	srcPort := portOf(addrs["SSH"])
	if out := sshd.run(t, srcPort, nil, "echo", "ok"); out != "ok" {
		t.Fatalf("ssh ... echo ok printed %q, want ok", out)
	}
	// A bulkier session: 4 MiB of random input, hashed on the other side.
	data, err := io.ReadAll(io.LimitReader(newRand(), 4<<20))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	if out := sshd.run(t, srcPort, bytes.NewReader(data), "sha256sum"); !strings.HasPrefix(out, want) {
		t.Fatalf("sha256sum over ssh printed %q, want %s", out, want)
	}
}
