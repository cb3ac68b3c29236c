package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// Log lines of localproxy (slog text format) that the tests wait for.
var (
	reConnected = regexp.MustCompile(`msg="connected to the tunnel"`)
	reLost      = regexp.MustCompile(`msg="connection to the service lost; reconnecting"`)
	reClosedBy  = regexp.MustCompile(`msg="tunnel closed by the service; exiting"`)
)

// startTunneld starts an in-process tunneld with default settings.
func startTunneld(t *testing.T) *servertest.Instance {
	t.Helper()
	return servertest.Start(t, server.Config{})
}

// wsEndpoint is the plain-WebSocket -e value for an instance.
func wsEndpoint(in *servertest.Instance) string { return "ws://" + in.Addr }

// lp starts a localproxy process with the given arguments.
// ADIT_E2E_PROXY_VERBOSITY (e.g. 5 for debug) sets -v on every proxy
// that the test does not give one.
func lp(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	if v := os.Getenv("ADIT_E2E_PROXY_VERBOSITY"); v != "" && !slices.Contains(args, "-v") {
		args = append(args, "-v", v)
	}
	return startProc(t, name, localproxyBin, nil, args...)
}

// startDestination starts a destination localproxy (-d mapping) and waits
// until it is connected to the tunnel.
func startDestination(t *testing.T, endpoint, token, mapping string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"-e", endpoint, "-t", token, "-d", mapping}, extra...)
	p := lp(t, "destination localproxy", args...)
	p.waitMatches(t, reConnected, 1, waitFor)
	return p
}

// startSource starts a source localproxy with args (after -e and -t),
// waits until it is connected and returns its listen addresses by
// service id ("" for a V1-format mapping).
func startSource(t *testing.T, endpoint, token string, args ...string) (*proc, map[string]string) {
	t.Helper()
	args = append([]string{"-e", endpoint, "-t", token}, args...)
	p := lp(t, "source localproxy", args...)
	p.waitMatches(t, reConnected, 1, waitFor)
	return p, p.listenAddrs()
}

// listenAddrs returns the addresses the proxy reported as listening, by
// service id.
func (p *proc) listenAddrs() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for _, l := range p.lines {
		if ev, ok := listenlog.Parse(l); ok && ev.Kind == listenlog.Source {
			out[ev.ServiceID] = ev.Addr
		}
	}
	return out
}

// pair opens a tunnel with services on in and starts a destination then a
// source localproxy through plain WebSocket. dst is the -d mapping;
// srcArgs are the source's arguments after -e and -t.
func pair(t *testing.T, in *servertest.Instance, services []string, dst string, srcArgs ...string) (tun servertest.OpenTunnelResult, src, dest *proc, addrs map[string]string) {
	t.Helper()
	tun = in.OpenTunnel(t, services...)
	dest = startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, dst)
	src, addrs = startSource(t, wsEndpoint(in), tun.SourceAccessToken, srcArgs...)
	return tun, src, dest, addrs
}

// forwarder is a TCP forwarder between a proxy and tunneld whose
// connections can be cut abruptly (RST, no WebSocket Close frame). It
// records the HTTP request head of every connection.
type forwarder struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  []net.Conn
	heads  []http.Header
	closed bool
	wg     sync.WaitGroup
}

func newForwarder(t *testing.T, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{ln: ln, target: target}
	f.wg.Go(f.serve)
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		f.cut()
		f.wg.Wait()
	})
	return f
}

func (f *forwarder) addr() string { return f.ln.Addr().String() }

func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", f.target, 10*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		f.conns = append(f.conns, c, up)
		f.mu.Unlock()
		f.wg.Go(func() {
			// Forward the HTTP request head first, recording its headers.
			br := bufio.NewReaderSize(c, 16<<10)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			raw, err := readHead(br)
			c.SetReadDeadline(time.Time{})
			if err != nil {
				c.Close()
				up.Close()
				return
			}
			if req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw))); err == nil {
				f.mu.Lock()
				f.heads = append(f.heads, req.Header)
				f.mu.Unlock()
			}
			if _, err := up.Write(raw); err != nil {
				c.Close()
				up.Close()
				return
			}
			io.Copy(up, br)
			up.Close()
		})
		f.wg.Go(func() {
			io.Copy(c, up)
			c.Close()
		})
	}
}

// readHead reads an HTTP request head (through the empty line), raw.
func readHead(br *bufio.Reader) ([]byte, error) {
	var raw []byte
	for len(raw) < 16<<10 {
		line, err := br.ReadSlice('\n')
		raw = append(raw, line...)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return raw, nil
		}
	}
	return nil, errors.New("request head too long")
}

// headers returns the request headers of every connection so far.
func (f *forwarder) headers() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.heads...)
}

// cut resets every forwarded connection, both sides.
func (f *forwarder) cut() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
	n := len(f.conns) / 2
	f.conns = nil
	return n
}

// startTunneldProc runs the tunneld binary on 127.0.0.1 (port 0 unless
// args give --listen) with a fresh data directory unless dataDir is set,
// and returns the process and an Instance for API calls.
func startTunneldProc(t *testing.T, dataDir string, key sigv4.Key, args ...string) (*proc, *servertest.Instance) {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	full := append([]string{"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--mqtt-listen", "off"}, args...)
	p := startProc(t, "tunneld", tunneld(t), []string{
		"TUNNELD_ACCESS_KEY_ID=" + key.AccessKeyID, "TUNNELD_SECRET_ACCESS_KEY=" + key.SecretAccessKey}, full...)
	addr := p.waitListening(t, listenlog.API, waitFor)
	in := &servertest.Instance{URL: "http://" + addr, Addr: addr, DataDir: dataDir, Key: key, Region: "us-east-1",
		Client: &http.Client{Timeout: 30 * time.Second}}
	return p, in
}
