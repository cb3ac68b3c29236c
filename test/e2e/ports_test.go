package e2e

import (
	"crypto/rand"
	"net"
	"os"
	"regexp"
	"syscall"
	"testing"
)

// Ports. Every process these tests start listens on port 0 and reports
// the port the OS chose in its log (package listenlog reads the lines),
// so no test hands a port it picked to another process, which another
// test running in parallel could take in the meantime. A source
// localproxy listens on port 0 when it has no -s mappings (-m src, the
// reference's "Listen port assigned" case): osPorts gives those
// arguments. sshd runs in inetd mode behind a port-0 listener
// (looptest.ServeInetd); a restarted tunneld sits behind a port-0
// forwarder (looptest.Forward); a service that is down at first holds its
// port with a bound socket that does not listen yet (downService). Only
// the tests of the -s syntax itself pick ports (startSourceOnPorts, which
// retries when a port was taken).

// osPorts is a source's arguments (after -e and -t) for ports the OS
// chooses, followed by extra.
func osPorts(extra ...string) []string { return append([]string{"-m", "src"}, extra...) }

// reListenFailed is a source's fatal log line for a port it cannot bind.
var reListenFailed = regexp.MustCompile(`listen for service .*address already in use`)

// pickAttempts bounds startSourceOnPorts's retries.
const pickAttempts = 4

// startSourceOnPorts starts a source localproxy whose ports are given on
// the command line: args builds its arguments (after -e and -t) from n
// ports that were free a moment ago. If another process took one of them
// first, the source exits reporting that it cannot listen, and the start
// is retried with other ports and the same client token (the tunnel binds
// the access token to the client token of its first connection, which
// comes before the listening). It waits until the source is connected and
// returns it with its listen addresses by service id. args must not give
// -i.
func startSourceOnPorts(t *testing.T, endpoint, token string, n int, args func(ports []string) []string) (*proc, map[string]string) {
	t.Helper()
	clientToken := "e2e-ports-" + rand.Text()
	for attempt := 1; ; attempt++ {
		ports := make([]string, n)
		for i := range ports {
			ports[i] = itoa(pickPort(t))
		}
		p := lp(t, "source localproxy", append([]string{"-e", endpoint, "-t", token, "-i", clientToken}, args(ports)...)...)
		if found, _ := p.await(reConnected.MatchString, 1, waitFor); found == 1 {
			return p, p.listenAddrs()
		}
		if attempt == pickAttempts || p.count(reListenFailed) == 0 {
			t.Fatalf("source localproxy on ports %v did not connect within %v; output:\n%s", ports, waitFor, p.output())
		}
		t.Logf("ports %v: one was taken before the source bound it (attempt %d); retrying with others", ports, attempt)
		p.kill()
	}
}

// pickPort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Only startSourceOnPorts uses it, and it copes with a port taken since.
func pickPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// downService is a TCP address on 127.0.0.1 where a service is down
// (connections are refused) until up is called. The port is held by a
// bound socket that does not listen, so no other process can take it,
// and up turns that same socket into the service's listener.
type downService struct {
	fd   int
	addr string
}

// newDownService reserves the address; the socket is closed when the
// test ends unless up took it over.
func newDownService(t *testing.T) *downService {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	d := &downService{fd: fd, addr: "127.0.0.1:" + itoa(sa.(*syscall.SockaddrInet4).Port)}
	t.Cleanup(func() {
		if d.fd >= 0 {
			syscall.Close(d.fd)
		}
	})
	return d
}

// up starts listening on the reserved address and returns the listener.
func (d *downService) up(t *testing.T) net.Listener {
	t.Helper()
	if err := syscall.Listen(d.fd, syscall.SOMAXCONN); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(d.fd), "service "+d.addr)
	d.fd = -1
	defer f.Close() // FileListener holds its own descriptor
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := ln.Addr().String(); got != d.addr {
		ln.Close()
		t.Fatalf("listener on %s, want %s", got, d.addr)
	}
	return ln
}
