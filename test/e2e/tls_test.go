package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// TestTLS: tunneld serves TLS with its self-signed CA; both proxies use the
// reference's TLS endpoint form (-e host:port) and trust the CA through
// -c DIR (or --ca-bundle FILE, or -k), by IP and by host name; 1 MiB
// echoes through both TLS hops.
// Without the CA the proxy refuses the server and does not connect.
func TestTLS(t *testing.T) {
	t.Parallel()
	in := servertest.Start(t, server.Config{TLSSelfSigned: true})
	if in.CAFile == "" {
		t.Fatal("servertest gave no CA file for a self-signed TLS instance")
	}
	pem, err := os.ReadFile(in.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	caDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(caDir, "adit-ca.pem"), pem, 0o644); err != nil {
		t.Fatal(err)
	}
	port := portOf(in.Addr)

	for _, tc := range []struct {
		name, host string
		trust      []string
	}{
		{"capath_ip", "127.0.0.1", []string{"-c", caDir}},
		{"capath_localhost", "localhost", []string{"-c", caDir}},
		{"ca_bundle", "127.0.0.1", []string{"--ca-bundle", in.CAFile}},
		{"no_verify", "127.0.0.1", []string{"-k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			endpoint := tc.host + ":" + port
			echo := echoServer(t, "tls\n")
			tun := in.OpenTunnel(t, "SSH")
			startDestination(t, endpoint, tun.DestinationAccessToken, "SSH="+echo, tc.trust...)
			_, addrs := startSource(t, endpoint, tun.SourceAccessToken, osPorts(tc.trust...)...)
			if err := echoRoundTrip(addrs["SSH"], "tls\n", 1<<20, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		tun := in.OpenTunnel(t, "SSH")
		p := lp(t, "source localproxy (no CA)", "-e", "127.0.0.1:"+port, "-t", tun.SourceAccessToken, "-m", "src")
		m := p.waitMatches(t, regexp.MustCompile(`level=WARN .*(x509|certificate)`), 1, waitFor)
		t.Logf("proxy without the CA: %s", m[0])
		if p.count(reConnected) != 0 {
			t.Fatalf("proxy connected to a server whose CA it does not trust; output:\n%s", p.output())
		}
	})
}
