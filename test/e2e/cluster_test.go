package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wsframe"
)

// describeStates returns the source and destination connection states of
// a tunnel as node addr sees them.
func (c *cluster) describeStates(t *testing.T, addr, id string) (string, string) {
	t.Helper()
	var out struct {
		Tunnel struct {
			Status                     string                  `json:"status"`
			SourceConnectionState      struct{ Status string } `json:"sourceConnectionState"`
			DestinationConnectionState struct{ Status string } `json:"destinationConnectionState"`
		} `json:"tunnel"`
	}
	c.mustCall(t, addr, "DescribeTunnel", map[string]any{"tunnelId": id}, &out)
	return out.Tunnel.SourceConnectionState.Status, out.Tunnel.DestinationConnectionState.Status
}

// waitStates waits until node addr shows both states as want.
func (c *cluster) waitStates(t *testing.T, addr, id, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		src, dst := c.describeStates(t, addr, id)
		if src == want && dst == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection states on %s = %s/%s after %v, want %s", addr, src, dst, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metric returns the value of one series in node addr's /metrics.
func (c *cluster) metric(t *testing.T, addr, series string) float64 {
	t.Helper()
	resp, err := c.client.Get(c.scheme + "://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", series, l)
			}
			return f
		}
	}
	t.Fatalf("%s not in /metrics of %s", series, addr)
	return 0
}

// TestClusterPeersMeetAcrossNodes: a tunnel's destination connects to one
// node and its source to another; the second node forwards its peer to
// the first, and traffic flows in every protocol pairing. A third node
// shows both peers connected.
func TestClusterPeersMeetAcrossNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0].addr, c.nodes[1].addr, c.nodes[2].addr
	for _, tc := range []struct {
		name string
		src  []string
	}{
		{"V3", nil},
		{"V2_source", []string{"-y", "V2"}},
		{"V1_source", []string{"-y", "V1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := checksumServer(t)
			tun := c.open(t, c.lb, "BULK")
			startDestination(t, "ws://"+n1, tun.DestinationAccessToken, "BULK="+svc)
			_, addrs := startSource(t, "ws://"+n2, tun.SourceAccessToken, append([]string{"-m", "src"}, tc.src...)...)
			c.waitStates(t, n3, tun.TunnelID, "CONNECTED", 10*time.Second)
			for i := range 3 {
				if err := checksumExchange(addrs["BULK"], 1<<20, 1<<20, 30*time.Second); err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
			}
		})
	}
	if got := c.metric(t, n2, `adit_cluster_forwards_total{result="accepted"}`); got < 3 {
		t.Errorf("node2 forwarded %v peers to their owner, want at least 3 (one per pairing)", got)
	}
	// Every peer node2 forwarded to node1 went over one link.
	if got := c.metric(t, n2, `adit_cluster_links{direction="out"}`); got != 1 {
		t.Errorf("node2 has %v links out, want 1 (to node1)", got)
	}
	if got := c.metric(t, n1, `adit_cluster_links{direction="in"}`); got < 1 {
		t.Errorf("node1 accepted %v links, want at least 1 (from node2)", got)
	}
	t.Run("256MiB_through_the_load_balancer", func(t *testing.T) {
		svc := checksumServer(t)
		tun := c.open(t, c.lb, "BULK")
		startDestination(t, "ws://"+c.lb, tun.DestinationAccessToken, "BULK="+svc)
		_, addrs := startSource(t, "ws://"+c.lb, tun.SourceAccessToken, "-m", "src")
		start := time.Now()
		if err := checksumExchange(addrs["BULK"], 128<<20, 128<<20, 120*time.Second); err != nil {
			t.Fatal(err)
		}
		t.Logf("256 MiB checksummed through haproxy and two nodes in %v", time.Since(start).Round(time.Millisecond))
	})
}

// TestClusterCloseAndRotateFromAnotherNode: CloseTunnel and
// RotateTunnelAccessToken issued on a third node reach the peers, which
// sit on two other nodes, within the bound the proxies are given.
func TestClusterCloseAndRotateFromAnotherNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0].addr, c.nodes[1].addr, c.nodes[2].addr
	echo := echoServer(t, "hi\n")

	tun := c.open(t, n3, "SSH")
	dst := startDestination(t, "ws://"+n1, tun.DestinationAccessToken, "SSH="+echo)
	src, addrs := startSource(t, "ws://"+n2, tun.SourceAccessToken, "-m", "src")
	if err := echoRoundTrip(addrs["SSH"], "hi\n", 1000, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	var rot struct {
		SourceAccessToken string `json:"sourceAccessToken"`
	}
	start := time.Now()
	c.mustCall(t, n3, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "SOURCE"}, &rot)
	if code := src.waitExit(t, exitBound); code != 0 || src.count(reClosedBy) == 0 {
		t.Fatalf("source after a rotation on another node: exit %d; output:\n%s", code, src.output())
	}
	t.Logf("rotation on node3 ended the source on node2 after %v", time.Since(start).Round(time.Millisecond))
	if !dst.running() {
		t.Fatalf("destination exited after a source rotation; output:\n%s", dst.output())
	}
	_, addrs = startSource(t, "ws://"+n3, rot.SourceAccessToken, "-m", "src")
	if err := echoRoundTrip(addrs["SSH"], "hi\n", 1000, 20*time.Second); err != nil {
		t.Fatalf("with the rotated token through node3: %v", err)
	}

	start = time.Now()
	c.mustCall(t, n2, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	if code := dst.waitExit(t, exitBound); code != 0 || dst.count(reClosedBy) == 0 {
		t.Fatalf("destination after CloseTunnel on another node: exit %d; output:\n%s", code, dst.output())
	}
	t.Logf("CloseTunnel on node2 ended the destination on node1 after %v", time.Since(start).Round(time.Millisecond))
}

// TestClusterExpiryEndsPeersOnEveryNode: a tunnel with a one-minute
// lifetime closes its peers on two nodes when it runs out.
func TestClusterExpiryEndsPeersOnEveryNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	n1, n2 := c.nodes[0].addr, c.nodes[1].addr
	echo := echoServer(t, "")
	var tun struct {
		TunnelID               string `json:"tunnelId"`
		SourceAccessToken      string `json:"sourceAccessToken"`
		DestinationAccessToken string `json:"destinationAccessToken"`
	}
	c.mustCall(t, n1, "OpenTunnel", map[string]any{"destinationConfig": map[string]any{"services": []string{"E"}},
		"timeoutConfig": map[string]any{"maxLifetimeTimeoutMinutes": 1}}, &tun)
	dst := startDestination(t, "ws://"+n1, tun.DestinationAccessToken, "E="+echo)
	src, _ := startSource(t, "ws://"+n2, tun.SourceAccessToken, "-m", "src")
	for _, p := range []*proc{src, dst} {
		if code := p.waitExit(t, 90*time.Second); code != 0 || p.count(reClosedBy) == 0 {
			t.Errorf("%s at expiry: exit %d; output:\n%s", p.name, code, p.output())
		}
	}
	var out struct{ Tunnel struct{ Status string } }
	c.mustCall(t, n2, "DescribeTunnel", map[string]any{"tunnelId": tun.TunnelID}, &out)
	if out.Tunnel.Status != "CLOSED" {
		t.Errorf("status after expiry = %q, want CLOSED", out.Tunnel.Status)
	}
}

// TestClusterTokenRacedFromTwoNodes: the same single-use token presented
// to two nodes at once connects exactly once, round after round.
func TestClusterTokenRacedFromTwoNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	n1, n2 := c.nodes[0].addr, c.nodes[1].addr
	for round := range 20 {
		tun := c.open(t, n1)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, addr := range []string{n1, n2} {
			wg.Go(func() { codes[i] = upgradeStatus(t, addr, tun.SourceAccessToken) })
		}
		wg.Wait()
		won := 0
		for _, code := range codes {
			switch code {
			case http.StatusSwitchingProtocols:
				won++
			case http.StatusBadRequest:
			default:
				t.Fatalf("round %d: upgrade answered %d, want 101 or 400", round, code)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of 2 nodes accepted the same token (statuses %v), want exactly 1", round, won, codes)
		}
	}
}

// upgradeStatus sends one source upgrade with token to addr and returns
// the response status; the connection is closed afterwards.
func upgradeStatus(t *testing.T, addr, token string) int {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Errorf("dial %s: %v", addr, err)
		return 0
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/tunnel?local-proxy-mode=source", addr), nil)
	req.Header.Set("access-token", token)
	resp, err := wsframe.Upgrade(conn, bufio.NewReader(conn), req, "aws.iot.securetunneling-3.0")
	if resp == nil {
		t.Errorf("upgrade at %s: %v", addr, err)
		return 0
	}
	return resp.StatusCode
}

// TestClusterRefusesTwoEmbeddedBrokers: a second node with an embedded
// MQTT broker on the same database refuses to start, saying why.
func TestClusterRefusesTwoEmbeddedBrokers(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1, "--mqtt-listen", "127.0.0.1:0")
	args := append([]string{}, c.nodes[0].args...)
	for i, a := range args {
		if a == "node1" {
			args[i] = "node2"
		}
	}
	for i := range args {
		if args[i] == "--data-dir" {
			args[i+1] = t.TempDir()
		}
	}
	p := startProc(t, "node2", tunneld(t), nil, args...)
	if code := p.waitExit(t, waitFor); code == 0 {
		t.Fatalf("a second node with an embedded broker started; output:\n%s", p.output())
	}
	if !strings.Contains(p.output(), "already runs an embedded MQTT broker") {
		t.Errorf("the refusal does not say why; output:\n%s", p.output())
	}
}
