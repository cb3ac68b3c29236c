// Package servertest starts a complete tunneld on 127.0.0.1 with SQLite in
// a temporary directory, for tests. Only _test.go files import it.
package servertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/notify/devices"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/sigv4"
)

// Instance is a running tunneld.
type Instance struct {
	// URL is the API endpoint, e.g. http://127.0.0.1:41234.
	URL string
	// Addr is the listener's host:port.
	Addr string
	// DataDir is the server's data directory.
	DataDir string
	// Key is an accepted admin access key.
	Key sigv4.Key
	// CredentialsFile holds Key in the AWS shared-credentials format.
	CredentialsFile string
	// CAFile is the CA certificate of a TLS instance.
	CAFile string
	// Region is the server's region.
	Region string
	// Server is the running server.
	Server *server.Server
	// Client is an HTTP client that trusts the instance.
	Client *http.Client
}

// Start runs a tunneld with cfg (Listen, DataDir and Logger are filled in
// when empty) until the test ends.
func Start(t testing.TB, cfg server.Config) *Instance {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(t.TempDir(), "data") // created 0700 by the server
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("servertest: new server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		t.Fatalf("servertest: listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("servertest: serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("servertest: server did not stop within 30s")
		}
	})
	in := &Instance{Addr: ln.Addr().String(), DataDir: cfg.DataDir, Server: srv, Region: cfg.Region, Client: &http.Client{Timeout: 30 * time.Second}}
	if in.Region == "" {
		in.Region = "us-east-1"
	}
	in.URL = "http://" + in.Addr
	if srv.TLS() {
		in.URL = "https://" + in.Addr
		in.CAFile = filepath.Join(cfg.DataDir, "tls", "ca.pem")
		if cfg.TLSCert != "" {
			in.CAFile = ""
		}
		in.Client.Transport = trustingTransport(t, in.CAFile)
	}
	in.setKey(t, srv.Credentials())
	return in
}

func (in *Instance) setKey(t testing.TB, c server.Credentials) {
	for _, k := range c.Keys {
		in.Key = k
		break
	}
	if c.Keys == nil {
		in.Key = sigv4.Key{AccessKeyID: "AKIDANYTHING", SecretAccessKey: "anything"}
	}
	in.CredentialsFile = c.File
	if in.CredentialsFile == "" {
		in.CredentialsFile = filepath.Join(t.TempDir(), "credentials")
		if err := sigv4.WriteCredentialsFile(in.CredentialsFile, in.Key); err != nil {
			t.Fatalf("servertest: write credentials: %v", err)
		}
	}
}

func trustingTransport(t testing.TB, caFile string) *http.Transport {
	pool := x509.NewCertPool()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatalf("servertest: read CA: %v", err)
		}
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
}

// Call invokes an API operation with a SigV4-signed request and decodes the
// JSON response into out (when non-nil). It returns the HTTP status and the
// AWS error code (empty on success).
func (in *Instance) Call(t testing.TB, op string, req, out any) (int, string) {
	t.Helper()
	return Call(t, in.Client, in.URL, in.Key, in.Region, op, req, out)
}

// Call sends one API operation to the tunneld at url (e.g.
// http://127.0.0.1:8080) with client c, signed with key for region, and
// decodes the JSON response into out (when non-nil). It returns the HTTP
// status and the AWS error code (empty on success).
func Call(t testing.TB, c *http.Client, url string, key sigv4.Key, region, op string, req, out any) (int, string) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("servertest: marshal %s: %v", op, err)
	}
	r, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "IoTSecuredTunneling."+op)
	sigv4.Sign(r, body, key, region, "IoTSecuredTunneling", time.Now())
	resp, err := c.Do(r)
	if err != nil {
		t.Fatalf("servertest: %s: %v", op, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		json.Unmarshal(raw, &e)
		return resp.StatusCode, e.Type
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("servertest: decode %s response %q: %v", op, raw, err)
		}
	}
	return resp.StatusCode, ""
}

// MustCall is Call that fails the test on any error response.
func (in *Instance) MustCall(t testing.TB, op string, req, out any) {
	t.Helper()
	if status, code := in.Call(t, op, req, out); status != http.StatusOK {
		t.Fatalf("servertest: %s = %d %s, want 200", op, status, code)
	}
}

// OpenTunnelResult is the output of OpenTunnel.
type OpenTunnelResult struct {
	TunnelID               string `json:"tunnelId"`
	TunnelARN              string `json:"tunnelArn"`
	SourceAccessToken      string `json:"sourceAccessToken"`
	DestinationAccessToken string `json:"destinationAccessToken"`
}

// OpenTunnel opens a tunnel with the given services (none for a bare tunnel).
func (in *Instance) OpenTunnel(t testing.TB, services ...string) OpenTunnelResult {
	t.Helper()
	req := map[string]any{}
	if len(services) > 0 {
		req["destinationConfig"] = map[string]any{"services": services}
	}
	var out OpenTunnelResult
	in.MustCall(t, "OpenTunnel", req, &out)
	return out
}

// WSURL returns the data-plane URL for mode ("source" or "destination").
func (in *Instance) WSURL(mode string) string {
	return strings.Replace(in.URL, "http", "ws", 1) + "/tunnel?local-proxy-mode=" + mode
}

// Env returns environment variables that point the AWS CLI and boto3 at
// the instance's credentials and region, with an empty HOME.
func (in *Instance) Env(t testing.TB) []string {
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"AWS_SHARED_CREDENTIALS_FILE=" + in.CredentialsFile,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_DEFAULT_REGION=" + in.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"PYTHONDONTWRITEBYTECODE=1",
	}
	if in.CAFile != "" {
		env = append(env, "AWS_CA_BUNDLE="+in.CAFile)
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG", "LC_ALL"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, fmt.Sprintf("%s=%s", k, v))
		}
	}
	return env
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// AddDevice gives thing its own MQTT password on the instance's embedded
// broker (as `tunneld device add` does) and returns the password.
func (in *Instance) AddDevice(t testing.TB, thing string) string {
	t.Helper()
	path := filepath.Join(in.DataDir, "mqtt-devices.json")
	pw := devices.GeneratePassword()
	hash, err := devices.HashPasswordIterations(pw, devices.MinIterations)
	if err != nil {
		t.Fatalf("servertest: hash: %v", err)
	}
	f, err := devices.Read(path)
	if err != nil {
		t.Fatalf("servertest: read devices: %v", err)
	}
	f.Devices = append(f.Devices, devices.Device{ThingName: thing, PasswordHash: hash})
	if err := devices.Write(path, f); err != nil {
		t.Fatalf("servertest: write devices: %v", err)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatalf("servertest: reload devices: %v", err)
	}
	return pw
}
