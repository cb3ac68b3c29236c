package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// A cluster test runs real processes: PostgreSQL, tunneld nodes on it and
// HAProxy (TCP, round robin) in front of them.

// clusterSecret is the nodes' shared secret in the tests.
const clusterSecret = "e2e-cluster-secret-0123456789"

// cluster is a running set of nodes behind a load balancer.
type cluster struct {
	pg    *pgtest.Server
	dbURL string
	key   sigv4.Key
	creds string
	nodes []*node
	lb    string // HAProxy's address

	scheme string       // of the API: http, or https after useTLS
	client *http.Client // for the API and /metrics
}

// node is one tunneld process of a cluster.
type node struct {
	id   string
	p    *proc
	addr string
	args []string
}

// startCluster starts PostgreSQL (one per test), n nodes with extra
// flags each, and HAProxy in front of them.
func startCluster(t *testing.T, n int, extra ...string) *cluster {
	t.Helper()
	if _, err := exec.LookPath("haproxy"); err != nil && !fileExists("/usr/sbin/haproxy") {
		if os.Getenv("CI") == "true" {
			t.Fatal("haproxy is not installed (scripts/test.sh installs it)")
		}
		t.Skip("haproxy is not installed")
	}
	c := &cluster{pg: pgtest.Start(t), scheme: "http", client: &http.Client{Timeout: 30 * time.Second}}
	c.dbURL = c.pg.NewDatabase(t)
	c.key = sigv4.Key{AccessKeyID: "AKIDCLUSTERTEST0001", SecretAccessKey: "cluster-test-secret-key"}
	c.creds = filepath.Join(t.TempDir(), "credentials")
	if err := sigv4.WriteCredentialsFile(c.creds, c.key); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c.nodes = append(c.nodes, c.startNode(t, fmt.Sprintf("node%d", i+1), extra...))
	}
	c.lb = startHAProxy(t, c.addrs())
	return c
}

// startNode starts one tunneld on the cluster's database.
func (c *cluster) startNode(t *testing.T, id string, extra ...string) *node {
	t.Helper()
	args := append([]string{"--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--database-url", c.dbURL, "--credentials-file", c.creds, "--mqtt-listen", "off",
		"--node-id", id, "--cluster-secret", clusterSecret, "--cluster-lease", "2s"}, extra...)
	nd := &node{id: id, args: args}
	nd.start(t)
	return nd
}

// start (re)starts the node's process and waits until it listens.
func (nd *node) start(t *testing.T) {
	t.Helper()
	nd.p = startProc(t, nd.id, tunneld(t), nil, nd.args...)
	nd.addr = nd.p.waitListening(t, listenlog.API, waitFor)
}

func (c *cluster) addrs() []string {
	var out []string
	for _, nd := range c.nodes {
		out = append(out, nd.addr)
	}
	return out
}

// call sends one API operation to addr (a node or the load balancer).
func (c *cluster) call(t *testing.T, addr, op string, req, out any) (int, string) {
	t.Helper()
	return servertest.Call(t, c.client, c.scheme+"://"+addr, c.key, "us-east-1", op, req, out)
}

// useTLS makes the cluster's API calls use HTTPS, trusting caFile.
func (c *cluster) useTLS(t *testing.T, caFile string) {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	c.scheme = "https"
	c.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// mustCall is call that fails the test on an error response.
func (c *cluster) mustCall(t *testing.T, addr, op string, req, out any) {
	t.Helper()
	if status, code := c.call(t, addr, op, req, out); status != http.StatusOK {
		t.Fatalf("%s on %s = %d %s", op, addr, status, code)
	}
}

// open opens a tunnel through addr.
func (c *cluster) open(t *testing.T, addr string, services ...string) servertest.OpenTunnelResult {
	t.Helper()
	req := map[string]any{}
	if len(services) > 0 {
		req["destinationConfig"] = map[string]any{"services": services}
	}
	var out servertest.OpenTunnelResult
	c.mustCall(t, addr, "OpenTunnel", req, &out)
	return out
}

// startHAProxy runs HAProxy in TCP mode, round robin over backends, with
// fast health checks, and returns its address. HAProxy cannot report a
// port it picked, so a free port is chosen and the start retried if it
// was taken meanwhile (bounded).
func startHAProxy(t *testing.T, backends []string) string {
	t.Helper()
	dir := t.TempDir()
	for attempt := range 5 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(pickPort(t))) // HAProxy cannot bind port 0 and report it
		var b strings.Builder
		fmt.Fprintf(&b, "global\n  maxconn 4000\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 1h\n  timeout server 1h\n")
		fmt.Fprintf(&b, "frontend fe\n  bind %s\n  default_backend nodes\nbackend nodes\n  balance roundrobin\n", addr)
		for i, be := range backends {
			fmt.Fprintf(&b, "  server n%d %s check inter 300ms fall 2 rise 1\n", i+1, be)
		}
		cfg := filepath.Join(dir, fmt.Sprintf("haproxy-%d.cfg", attempt))
		if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, "haproxy", haproxyBin(), nil, "-db", "-f", cfg)
		if waitDial(addr, 5*time.Second) == nil && p.running() {
			return addr
		}
		p.kill()
	}
	t.Fatal("haproxy did not start")
	return ""
}

func haproxyBin() string {
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	return "/usr/sbin/haproxy"
}

// waitDial waits until addr accepts a connection.
func waitDial(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
