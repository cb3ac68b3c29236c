package localproxy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/testnet"
)

// A reconnect resumes the previous TLS session: the engine keeps a session
// cache across its connections.
func TestTLSReconnectResumes(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ln := testnet.Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		sc := tls.Server(c, srvCfg)
		if sc.Handshake() == nil {
			sc.Write([]byte("x")) // the client reads the session ticket before this
		}
	})
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	base := &tls.Config{RootCAs: roots}
	cache := tls.NewLRUClientSessionCache(4)
	for i, wantResumed := range []bool{false, true} {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		tc, err := tlsHandshake(ctx, nc, base, "127.0.0.1", cache)
		cancel()
		if err != nil {
			t.Fatalf("handshake %d: %v", i, err)
		}
		tc.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 1)
		if _, err := tc.Read(b); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got := tc.ConnectionState().DidResume; got != wantResumed {
			t.Errorf("connection %d resumed = %v, want %v", i, got, wantResumed)
		}
		tc.Close()
	}
}
