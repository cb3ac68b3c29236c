package e2e

import (
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"
)

// ownerOf returns the node whose relay attached both peers of tunnel id
// (the owner: forwarded peers attach there too).
func (c *cluster) ownerOf(t *testing.T, id string) *node {
	t.Helper()
	re := regexp.MustCompile(`msg="peer attached".*tunnel_id=` + regexp.QuoteMeta(id))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, nd := range c.nodes {
			if nd.p.count(re) >= 2 {
				return nd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no node attached both peers of tunnel %s", id)
	return nil
}

// survivor returns a node other than dead.
func (c *cluster) survivor(dead *node) *node {
	for _, nd := range c.nodes {
		if nd != dead {
			return nd
		}
	}
	return nil
}

// TestClusterOwnerKilledMidTransfer: the node relaying a tunnel is killed
// (SIGKILL) during a transfer. Both proxies reconnect through the load
// balancer, a surviving node takes the tunnel over once the dead node's
// lease runs out, traffic flows again, and the survivors show both peers
// connected.
func TestClusterOwnerKilledMidTransfer(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	svc := checksumServer(t)
	tun := c.open(t, c.lb, "BULK")
	startDestination(t, "ws://"+c.lb, tun.DestinationAccessToken, "BULK="+svc)
	_, addrs := startSource(t, "ws://"+c.lb, tun.SourceAccessToken, "-m", "src")
	if err := checksumExchange(addrs["BULK"], 1<<20, 1<<20, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	owner := c.ownerOf(t, tun.TunnelID)

	var failed atomic.Bool
	done := make(chan error, 1)
	go func() { done <- checksumExchange(addrs["BULK"], 512<<20, 512<<20, 60*time.Second) }()
	time.Sleep(300 * time.Millisecond) // data is flowing
	killed := time.Now()
	owner.p.kill()
	if err := <-done; err != nil {
		failed.Store(true)
	}
	if !failed.Load() {
		t.Log("the transfer finished before the kill took effect")
	}
	var recovered time.Duration
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := checksumExchange(addrs["BULK"], 64<<10, 64<<10, 5*time.Second)
		if err == nil {
			recovered = time.Since(killed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no traffic within 60s of killing the owner %s: %v", owner.id, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("traffic flowed again %v after kill -9 of the owner %s", recovered.Round(time.Millisecond), owner.id)
	c.waitStates(t, c.survivor(owner).addr, tun.TunnelID, "CONNECTED", 10*time.Second)
	if err := checksumExchange(addrs["BULK"], 8<<20, 8<<20, 30*time.Second); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// TestClusterNodeDrains: SIGTERM on the owner hands its tunnel over: the
// proxies reconnect elsewhere and traffic flows again without waiting for
// a lease.
func TestClusterNodeDrains(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	echo := echoServer(t, "hi\n")
	tun := c.open(t, c.lb, "SSH")
	startDestination(t, "ws://"+c.lb, tun.DestinationAccessToken, "SSH="+echo)
	_, addrs := startSource(t, "ws://"+c.lb, tun.SourceAccessToken, "-m", "src")
	owner := c.ownerOf(t, tun.TunnelID)
	start := time.Now()
	owner.p.signal(t, 15)
	if code := owner.p.waitExit(t, 30*time.Second); code != 0 {
		t.Errorf("drained node exited with %d; output:\n%s", code, owner.p.output())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := echoRoundTrip(addrs["SSH"], "hi\n", 1000, 5*time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no traffic within 30s of draining the owner: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("traffic flowed again %v after SIGTERM of the owner", time.Since(start).Round(time.Millisecond))
}

// TestClusterPostgresRestart: PostgreSQL restarts while a tunnel across
// two nodes carries traffic. The tunnel keeps relaying throughout, API
// calls during the outage fail with a retryable 5xx error rather than
// hanging, and the nodes recover by themselves.
func TestClusterPostgresRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	n1, n2 := c.nodes[0].addr, c.nodes[1].addr
	echo := echoServer(t, "")
	tun := c.open(t, n1, "E")
	startDestination(t, "ws://"+n1, tun.DestinationAccessToken, "E="+echo)
	_, addrs := startSource(t, "ws://"+n2, tun.SourceAccessToken, "-m", "src")

	if err := c.pg.Down(); err != nil {
		t.Fatal(err)
	}
	if err := echoRoundTrip(addrs["E"], "", 1<<20, 20*time.Second); err != nil {
		t.Errorf("tunnel while PostgreSQL is down: %v", err)
	}
	start := time.Now()
	status, code := c.call(t, n2, "DescribeTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	if status != http.StatusServiceUnavailable || code != "ServiceUnavailable" || time.Since(start) > 20*time.Second {
		t.Errorf("DescribeTunnel with PostgreSQL down = %d %s after %v, want 503 ServiceUnavailable (retryable) within 20s", status, code, time.Since(start))
	}
	t.Logf("DescribeTunnel with PostgreSQL down: %d %s after %v", status, code, time.Since(start).Round(time.Millisecond))
	if err := c.pg.Up(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, code = c.call(t, n2, "DescribeTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DescribeTunnel 30s after PostgreSQL came back: %d %s", status, code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := echoRoundTrip(addrs["E"], "", 1<<20, 20*time.Second); err != nil {
		t.Errorf("tunnel after PostgreSQL restarted: %v", err)
	}
	c.open(t, n2) // fails the test unless the write is acknowledged
}
