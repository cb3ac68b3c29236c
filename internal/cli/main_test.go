package cli_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/cli"
)

// setTestEnv gives cli.Main static credentials and a region, and nothing
// else from the developer's environment.
func setTestEnv(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{
		"HOME": home, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": testSecret,
		"AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
	}
	for _, k := range managedEnv {
		t.Setenv(k, env[k])
		if env[k] == "" {
			os.Unsetenv(k)
		}
	}
}

func run(ctx context.Context, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cli.Main(ctx, args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestMainHelpAndVersion(t *testing.T) {
	setTestEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "rotate-tunnel-access-token"},
		{[]string{"iotsecuretunneling", "help"}, "list-tags-for-resource"},
		{[]string{"open-tunnel", "help"}, "Shorthand Syntax:\n        key=string,value=string ..."},
		{[]string{"describe-tunnel", "--tunnel-id", "x", "help"}, "--tunnel-id <value>"},
		{[]string{"--version"}, "tunnelctl/"},
		{[]string{"list-tunnels", "--version"}, "tunnelctl/"},
	}
	for _, tt := range tests {
		out, errOut, code := run(context.Background(), tt.args...)
		if code != 0 || !strings.Contains(out, tt.want) || errOut != "" {
			t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want 0 and stdout containing %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestTLSOptions covers --ca-bundle, AWS_CA_BUNDLE and --no-verify-ssl
// against a server with a self-signed certificate.
func TestTLSOptions(t *testing.T) {
	setTestEnv(t)
	srv := httptest.NewUnstartedServer(&cannedServer{})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(ca, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"list-tunnels", "--endpoint-url", srv.URL, "--query", "length(tunnelSummaries)"}
	tests := []struct {
		name   string
		extra  []string
		env    string
		code   int
		stdout string
		stderr string
	}{
		{name: "untrusted", code: 255, stderr: "\nSSL validation failed for " + srv.URL + "/ [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)\n"},
		{name: "ca-bundle", extra: []string{"--ca-bundle", ca}, stdout: "2\n"},
		{name: "AWS_CA_BUNDLE", env: ca, stdout: "2\n"},
		{name: "no-verify-ssl", extra: []string{"--no-verify-ssl"}, stdout: "2\n"},
		{name: "missing bundle", extra: []string{"--ca-bundle", ca + ".missing"}, code: 255,
			stderr: "\nCould not find a suitable TLS CA certificate bundle, invalid path: " + ca + ".missing\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("AWS_CA_BUNDLE", tt.env)
			}
			out, errOut, code := run(context.Background(), append(base, tt.extra...)...)
			if code != tt.code || out != tt.stdout || !strings.HasPrefix(errOut, tt.stderr) {
				t.Errorf("Main = %d, %q, %q; want %d, %q, stderr starting %q", code, out, errOut, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestInterrupt checks that a cancelled context (Ctrl-C) ends a pending
// request with the AWS CLI's status 130 and a newline on stdout.
func TestInterrupt(t *testing.T) {
	setTestEnv(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	out, errOut, code := run(ctx, "list-tunnels", "--endpoint-url", srv.URL)
	if code != 130 || out != "\n" || errOut != "" {
		t.Errorf("Main = %d, %q, %q; want 130, newline, nothing", code, out, errOut)
	}
}
