package localproxy

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

// A reconnect resumes the previous TLS session: the engine keeps a session
// cache across its connections.
func TestTLSReconnectResumes(t *testing.T) {
	cert, roots := looptest.TLSCert(t)
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	ln := looptest.Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		sc := tls.Server(c, srvCfg)
		if sc.Handshake() == nil {
			sc.Write([]byte("x")) // the client reads the session ticket before this
		}
	})
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
