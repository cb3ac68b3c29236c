package server

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
	"time"
)

func TestSelfSignedChainVerifiesAndIsReused(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	hosts := []string{"localhost", "127.0.0.1"}
	p, err := ensureSelfSigned(dir, hosts, now)
	if err != nil {
		t.Fatalf("ensureSelfSigned: %v", err)
	}
	pair, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	caPEM, _ := os.ReadFile(p.CACert)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA file holds no certificate")
	}
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: h}); err != nil {
			t.Errorf("server certificate does not verify for %s: %v", h, err)
		}
	}
	if st, _ := os.Stat(p.ServerKey); st.Mode().Perm() != 0o600 {
		t.Errorf("server key mode = %v, want 0600", st.Mode().Perm())
	}
	before, _ := os.ReadFile(p.ServerCert)
	if _, err := ensureSelfSigned(dir, hosts, now); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(p.ServerCert)
	if string(before) != string(after) {
		t.Errorf("server certificate re-issued although still valid")
	}
	// A new host name forces a new certificate from the same CA.
	if _, err := ensureSelfSigned(dir, append(hosts, "tunnel.example"), now); err != nil {
		t.Fatal(err)
	}
	caAfter, _ := os.ReadFile(p.CACert)
	if string(caAfter) != string(caPEM) {
		t.Errorf("CA replaced when only the server certificate had to change")
	}
}
