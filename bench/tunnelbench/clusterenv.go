package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/sigv4"
)

// benchClusterSecret authenticates forwarded peers between the bench's nodes.
const benchClusterSecret = "tunnelbench-cluster-secret-0123456789"

// benchKey is the access key every node of the bench accepts.
var benchKey = sigv4.Key{AccessKeyID: "AKIATUNNELBENCH00001", SecretAccessKey: "tunnelbench-cluster-secret-key-000000"}

// benchCluster is PostgreSQL, several tunneld nodes on it and HAProxy in
// front of them (round robin over all nodes).
type benchCluster struct {
	pg    *pgtest.Server
	dbURL string
	nodes []*tunneld
	lb    string // round-robin frontend
	first string // frontend that prefers nodes[0] (the others are backups)
	hap   *proc
	dir   string
}

// startCluster starts PostgreSQL and n nodes, each with a pool of at most
// pool connections and the extra flags.
func startCluster(bin, dir string, n, pool int, extra ...string) (*benchCluster, error) {
	pg, err := pgtest.New()
	if err != nil {
		return nil, err
	}
	c := &benchCluster{pg: pg, dir: dir}
	// The postgres database of a fresh server is the bench's own (pgtest
	// allows 300 connections).
	c.dbURL = pg.URL() + fmt.Sprintf("&pool_max_conns=%d", pool)
	for i := range n {
		nd, err := c.startNode(bin, fmt.Sprintf("node%d", i+1), extra...)
		if err != nil {
			c.stop()
			return nil, err
		}
		c.nodes = append(c.nodes, nd)
	}
	return c, nil
}

// startNode starts one node. Its credentials file is written where
// startTunneld's API client reads it (DIR/data/credentials).
func (c *benchCluster) startNode(bin, id string, extra ...string) (*tunneld, error) {
	dir := filepath.Join(c.dir, id)
	creds := filepath.Join(dir, "data", "credentials")
	if err := os.MkdirAll(filepath.Dir(creds), 0o700); err != nil {
		return nil, err
	}
	if err := sigv4.WriteCredentialsFile(creds, benchKey); err != nil && !os.IsExist(err) {
		return nil, err
	}
	args := append([]string{"--database-url", c.dbURL, "--credentials-file", creds, "--node-id", id,
		"--cluster-secret", benchClusterSecret}, extra...)
	return startTunneld(filepath.Join(bin, "tunneld"), dir, id, false, args...)
}

// stop stops HAProxy, the nodes and PostgreSQL.
func (c *benchCluster) stop() {
	c.hap.stop()
	for _, nd := range c.nodes {
		nd.stop()
	}
	c.pg.Stop()
}

// startHAProxy runs HAProxy in TCP mode with two frontends: lb (round
// robin over every node) and first (nodes[0], the others as backups: a
// peer that connects there lands on nodes[0] while it is up, and on a
// survivor once HAProxy's health check marks it down). HAProxy cannot
// report a port it picked, so free ports are chosen and the start retried
// if one was taken meanwhile (bounded).
func (c *benchCluster) startHAProxy() error {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		bin = "/usr/sbin/haproxy"
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("haproxy is not installed (apt-get install haproxy)")
		}
	}
	for attempt := range 5 {
		lb := net.JoinHostPort("127.0.0.1", strconv.Itoa(pickPort()))
		first := net.JoinHostPort("127.0.0.1", strconv.Itoa(pickPort()))
		var b strings.Builder
		fmt.Fprintf(&b, "global\n  maxconn 8000\ndefaults\n  mode tcp\n  retries 3\n  option redispatch\n")
		fmt.Fprintf(&b, "  timeout connect 2s\n  timeout client 1h\n  timeout server 1h\n")
		fmt.Fprintf(&b, "frontend lb\n  bind %s\n  maxconn 4000\n  default_backend all\n", lb)
		fmt.Fprintf(&b, "frontend first\n  bind %s\n  maxconn 4000\n  default_backend first\n", first)
		fmt.Fprintf(&b, "backend all\n  balance roundrobin\n")
		for i, nd := range c.nodes {
			fmt.Fprintf(&b, "  server n%d %s check inter 300ms fall 2 rise 1\n", i+1, nd.addr)
		}
		fmt.Fprintf(&b, "backend first\n  balance first\n")
		for i, nd := range c.nodes {
			backup := ""
			if i > 0 {
				backup = " backup"
			}
			fmt.Fprintf(&b, "  server n%d %s check inter 300ms fall 2 rise 1%s\n", i+1, nd.addr, backup)
		}
		cfg := filepath.Join(c.dir, fmt.Sprintf("haproxy-%d.cfg", attempt))
		if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
			return err
		}
		p, err := startProc("haproxy", filepath.Join(c.dir, "haproxy.log"), nil, bin, "-db", "-f", cfg)
		if err != nil {
			return err
		}
		if waitDial(lb, 5*time.Second) == nil && waitDial(first, time.Second) == nil && !p.exited() {
			c.hap, c.lb, c.first = p, lb, first
			return nil
		}
		p.stop()
	}
	return fmt.Errorf("haproxy did not start: %s", tail(mustRead(filepath.Join(c.dir, "haproxy.log"))))
}

// waitDial waits until addr accepts a connection.
func waitDial(addr string, timeout time.Duration) error {
	end := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(end) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// owns reports whether the node meant to own pair pp attached both its
// peers (the owner's relay attaches forwarded peers too).
func owns(pp *proxyPair) bool {
	// The node writes its log in batches (up to 100 ms late under load).
	for end := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if attachedSince(pp.ownerLog, pp.ownerFrom, pp.id) >= 2 {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// reaps counts the times a node released the tunnels of nodes it found
// dead, in every node's log.
func (c *benchCluster) reaps() int {
	n := 0
	for _, nd := range c.nodes {
		n += bytes.Count(mustRead(nd.log), []byte(`msg="released tunnels of dead nodes"`))
	}
	return n
}
