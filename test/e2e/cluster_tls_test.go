package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

// TestClusterMutualTLS: nodes serving TLS with --cluster-ca forward peers
// to each other over mutual TLS (each presents its certificate, the owner
// verifies it), and the peers of a tunnel meet across two nodes.
func TestClusterMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, _ := looptest.TLSCert(t) // self-signed for 127.0.0.1: it is its own CA
	certFile, keyFile := filepath.Join(dir, "node.pem"), filepath.Join(dir, "node-key.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 2, "--tls-cert", certFile, "--tls-key", keyFile, "--cluster-ca", certFile)
	c.useTLS(t, certFile)
	n1, n2 := c.nodes[0].addr, c.nodes[1].addr
	svc := checksumServer(t)

	tun := c.open(t, n1, "BULK")
	startDestination(t, "wss://"+n1, tun.DestinationAccessToken, "BULK="+svc, "--ca-bundle", certFile)
	_, addrs := startSource(t, "wss://"+n2, tun.SourceAccessToken, "-m", "src", "--ca-bundle", certFile)
	if err := checksumExchange(addrs["BULK"], 4<<20, 4<<20, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := c.metric(t, n2, `adit_cluster_forwards_total{result="accepted"}`); got < 1 {
		t.Errorf("node2 forwarded %v peers, want 1", got)
	}
}
