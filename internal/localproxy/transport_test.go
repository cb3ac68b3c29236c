package localproxy_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

func TestTLS(t *testing.T) {
	r := newFakeRelayTLS(t, "SSH")
	echo := echoServer(t, "")
	roots := x509.NewCertPool()
	roots.AddCert(r.srv.Certificate())
	dst := config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String()))
	dst.TLS = &tls.Config{RootCAs: roots}
	src := config(r, tunnel.ModeSource, svc("SSH", "0"))
	src.TLS = &tls.Config{InsecureSkipVerify: true} // -k
	_, _, addrs := startPair(t, r, dst, src)
	if err := roundTrip(addrs[0], 256<<10, ""); err != nil {
		t.Fatal(err)
	}
}

func TestTLSFailuresAreRetriedThenGiveUp(t *testing.T) {
	untrusted := newFakeRelayTLS(t, "SSH")
	plain := newFakeRelay(t, "SSH")
	for name, endpoint := range map[string]string{
		"untrusted_certificate": untrusted.url(),
		"plain_endpoint":        "wss://" + plain.srv.Listener.Addr().String(),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config(untrusted, tunnel.ModeSource, svc("SSH", "0"))
			cfg.Endpoint = endpoint
			cfg.MaxConnectAttempts = 2
			err := startProxy(t, cfg).wait(t)
			if !errors.Is(err, localproxy.ErrRetriesExhausted) {
				t.Fatalf("Run = %v, want ErrRetriesExhausted", err)
			}
			var ve *tls.CertificateVerificationError
			if name == "untrusted_certificate" && !errors.As(err, &ve) {
				t.Errorf("Run = %v, want a certificate verification error inside", err)
			}
		})
	}
}

// connectProxy is an HTTP CONNECT proxy that records the targets asked for.
type connectProxy struct {
	mu      sync.Mutex
	targets []string
	auth    []string
}

func startConnectProxy(t *testing.T) (*connectProxy, *url.URL) {
	p := &connectProxy{}
	ln := tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil || req.Method != http.MethodConnect {
			io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
			return
		}
		p.mu.Lock()
		p.targets = append(p.targets, req.Host)
		p.auth = append(p.auth, req.Header.Get("Proxy-Authorization"))
		p.mu.Unlock()
		up, err := net.Dial("tcp", req.Host)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, br); up.Close() }()
		io.Copy(c, up)
	})
	return p, &url.URL{Scheme: "http", User: url.UserPassword("user", "pw"), Host: ln.Addr().String()}
}

func TestWebProxy(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	p, proxyURL := startConnectProxy(t)
	src := config(r, tunnel.ModeSource, svc("SSH", "0"))
	src.WebProxy = proxyURL
	_, _, addrs := startPair(t, r, config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())), src)
	if err := roundTrip(addrs[0], 100<<10, ""); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.targets) != 1 || p.targets[0] != r.srv.Listener.Addr().String() || p.auth[0] != "Basic dXNlcjpwdw==" {
		t.Errorf("proxy saw targets %q auth %q", p.targets, p.auth)
	}
}

func TestDestinationBindAddress(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	remotes := make(chan string, 16)
	ln := tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		remotes <- c.RemoteAddr().(*net.TCPAddr).IP.String()
		io.Copy(c, c)
	})
	dst := config(r, tunnel.ModeDestination, svc("SSH", ln.Addr().String()))
	dst.BindAddress = "127.0.0.1"
	_, _, addrs := startPair(t, r, dst, config(r, tunnel.ModeSource, svc("SSH", "0")))
	for range 3 {
		if err := roundTrip(addrs[0], 1000, ""); err != nil {
			t.Fatal(err)
		}
		if ip := <-remotes; ip != "127.0.0.1" {
			t.Errorf("destination connected from %s, want 127.0.0.1", ip)
		}
	}
}
