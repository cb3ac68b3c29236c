package proxyconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/adit-project/adit/internal/localproxy"
)

func TestCABundleAndCapath(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	os.WriteFile(bundle, pemBytes, 0o644)
	capath := filepath.Join(dir, "certs")
	os.Mkdir(capath, 0o755)
	os.WriteFile(filepath.Join(capath, "1a2b3c4d.0"), pemBytes, 0o644)
	os.WriteFile(filepath.Join(capath, "README"), []byte("not a certificate"), 0o644)
	for _, flag := range [][]string{{"--ca-bundle", bundle}, {"-c", capath}} {
		inv, err := ParseArgs(append([]string{"-t", "x", "-e", "h", "-m", "src"}, flag...), env(nil))
		if err != nil {
			t.Fatalf("%v: %v", flag, err)
		}
		cfg := inv.Config.TLS
		if cfg.RootCAs == nil || cfg.MinVersion != tls.VersionTLS12 {
			t.Fatalf("%v: TLS config %+v", flag, cfg)
		}
		if _, err := srv.Certificate().Verify(x509.VerifyOptions{Roots: cfg.RootCAs}); err != nil {
			t.Errorf("%v: test certificate not trusted: %v", flag, err)
		}
	}
	os.WriteFile(bundle, []byte("garbage"), 0o644)
	if _, err := ParseArgs([]string{"-t", "x", "-e", "h", "-m", "src", "--ca-bundle", bundle}, env(nil)); !errors.Is(err, localproxy.ErrInvalidConfig) {
		t.Errorf("garbage bundle: %v", err)
	}
}
