package main

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"
)

// failoverResult is the time from kill -9 of the owner node to the first
// echo through each of its tunnels.
type failoverResult struct {
	Tunnels   int       `json:"tunnels"`
	Lease     string    `json:"lease"`
	Recovered int       `json:"recovered"`
	Lat       latResult `json:"recovery"` // microseconds, as the other latencies
	// ReapsBefore counts "released tunnels of dead nodes" in the node logs
	// before the kill: each is a live node whose lease ran out (its
	// heartbeat came late) and that another node reaped.
	ReapsBefore int    `json:"reaps_before_kill"`
	Err         string `json:"error,omitempty"`
}

// probeEvery is the pause between a tunnel's failed probes; probeTimeout
// bounds one probe. Together they are the resolution of the figure.
const (
	probeEvery   = 50 * time.Millisecond
	probeTimeout = time.Second
)

// failover starts n tunnels owned by nodes[0], with both localproxies
// connected through HAProxy (destinations through the frontend that
// prefers nodes[0], sources round robin), kills nodes[0] with SIGKILL and
// measures, per tunnel, the time until a 64-byte echo succeeds again.
func failover(c *benchCluster, bin, dir, srvAddr, lease string, n int, logf func(string, ...any)) (res failoverResult) {
	res.Tunnels, res.Lease = n, lease
	owner := c.nodes[0]
	lp := filepath.Join(bin, "localproxy")
	var pairs []*proxyPair
	defer func() {
		for _, p := range pairs {
			p.stop()
		}
	}()
	for i := range n {
		pp, err := startPair(c.nodes[1].api, lp, dir, fmt.Sprintf("fail%d", i), c.first, c.lb, srvAddr, owner)
		if err != nil {
			res.Err = err.Error()
			return
		}
		pairs = append(pairs, pp)
	}
	for _, pp := range pairs {
		if !owns(pp) {
			res.Err = fmt.Sprintf("tunnel %s is not relayed by %s before the kill", pp.id, owner.name)
			return
		}
	}
	res.ReapsBefore = c.reaps()
	logf("failover: %d tunnels owned by %s; kill -9", n, owner.name)
	killed := time.Now()
	owner.cmd.Process.Kill()
	<-owner.done
	took := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, pp := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			took[i], errs[i] = untilEcho(pp.addr, killed, 60*time.Second)
		}()
	}
	wg.Wait()
	var ok []time.Duration
	for i := range pairs {
		if errs[i] != nil {
			res.Err = fmt.Sprintf("tunnel %d: %v", i, errs[i])
			continue
		}
		ok = append(ok, took[i])
	}
	res.Recovered = len(ok)
	res.Lat = quantiles(ok)
	logf("failover: %d/%d tunnels carry traffic again: p50 %.2fs p99 %.2fs max %.2fs (lease %s)",
		res.Recovered, n, res.Lat.P50/1e6, res.Lat.P99/1e6, res.Lat.Max/1e6, lease)
	return res
}

// untilEcho probes addr until an echo succeeds and returns the time since
// from, or an error after limit.
func untilEcho(addr string, from time.Time, limit time.Duration) (time.Duration, error) {
	var err error
	for time.Since(from) < limit {
		if err = probeEcho(addr); err == nil {
			return time.Since(from), nil
		}
		time.Sleep(probeEvery)
	}
	return 0, fmt.Errorf("no echo within %v: %w", limit, err)
}

// probeEcho does one 64-byte round trip through a new connection to addr.
func probeEcho(addr string) error {
	c, err := net.DialTimeout("tcp", addr, probeTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(probeTimeout))
	req := make([]byte, 65)
	req[0] = cmdEcho
	for i := 1; i < len(req); i++ {
		req[i] = byte(i)
	}
	if _, err := c.Write(req); err != nil {
		return err
	}
	resp := make([]byte, 64)
	if _, err := io.ReadFull(c, resp); err != nil {
		return err
	}
	for i := range resp {
		if resp[i] != req[i+1] {
			return fmt.Errorf("echo corrupted at byte %d", i)
		}
	}
	return nil
}
