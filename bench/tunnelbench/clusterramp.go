package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// rampParallel is how many peers each connecting process (the bench for
// sources, each peers child for destinations) connects at once. Every
// connect claims a token in PostgreSQL; with 64 per process (256 claims in
// flight) on a loaded two-core machine, claims timed out and a node's
// lease ran out (its heartbeat came late), so the other nodes reaped it as
// dead (see docs/BENCHMARKS.md, "Cluster").
const rampParallel = 16

// fdsPerForward is what one forwarded peer costs the forwarding node in
// descriptors: the client's socket, the socket to the owner, and the two
// pipes (two descriptors each) that Go's io.Copy between two TCP sockets
// holds for splice(2), one per direction, for the connection's life.
const fdsPerForward = 6

// clusterStep is what the cluster ramp measured at one number of tunnels.
type clusterStep struct {
	Tunnels        int       `json:"tunnels"`
	Forwarded      int       `json:"forwarded"` // tunnels whose source is on another node than the destination
	OpenSeconds    float64   `json:"open_seconds"`
	ConnectSeconds float64   `json:"connect_seconds"`
	RSSKB          []int64   `json:"rss_kb"`              // per node
	PerTunnelB     []float64 `json:"per_tunnel_bytes"`    // per node: RSS growth over the tunnels it owns
	GoPerTunnelB   []float64 `json:"go_per_tunnel_bytes"` // the same, Go heap+stacks
	CPUCores       []float64 `json:"cpu_cores"`           // per node
	PeersCPU       float64   `json:"peers_cpu_cores"`     // the bench's peer processes
	Fds            []int     `json:"fds"`                 // per node
	Sent           int64     `json:"sent"`
	Lost           int64     `json:"lost"`
	Lat            latResult `json:"lat"`
}

// clusterRampResult is the whole cluster ramp.
type clusterRampResult struct {
	Nodes     int           `json:"nodes"`
	Target    int           `json:"target"`
	MaxFit    int           `json:"max_fit"`
	Nofile    uint64        `json:"nofile"`
	PeriodS   float64       `json:"period_seconds"`
	BaseRSSKB []int64       `json:"base_rss_kb"`
	Steps     []clusterStep `json:"steps"`
	Err       string        `json:"error,omitempty"`
}

// clusterFit is how many tunnels fit every process's open-file limit.
// With n nodes, the destination on node i%n (its owner) and the source
// on node (i/n)%n, a node holds per tunnel: 1/n destination, 1/n source
// of its own tunnels (forwarded or not), and (n-1)/n² sources it forwards
// at fdsPerForward descriptors each. The bench process holds every
// source, each peers child 1/n of the destinations.
func clusterFit(nofile uint64, n, nodeFds int) int {
	perTunnel := (2 + fdsPerForward*float64(n-1)/float64(n)) / float64(n)
	node := int(float64(int(nofile)-nodeFds-256) / perTunnel)
	client := int(nofile) - 512
	return min(node, client)
}

// clusterRamp grows connected tunnels on the cluster through the steps:
// tunnel i's destination peer on node i%n, its source on node (i/n)%n,
// so (n-1)/n of the tunnels are forwarded. Each source sends one 64-byte
// message per period and the destination echoes it.
func clusterRamp(cfg *config, c *benchCluster, self string, logf func(string, ...any)) (res clusterRampResult) {
	n := len(c.nodes)
	res.Nodes, res.Nofile, res.PeriodS = n, raiseNofile(), cfg.rampPeriod.Seconds()
	defer quietGC()()
	res.Target = cfg.rampSteps[len(cfg.rampSteps)-1]
	res.MaxFit = clusterFit(res.Nofile, n, fdCount(c.nodes[0].pid()))
	baseGo := make([]int64, n)
	for i, nd := range c.nodes {
		baseGo[i] = goMemKB(nd.pprof) // collects garbage first
		res.BaseRSSKB = append(res.BaseRSSKB, procStatusKB(nd.pid(), "VmRSS"))
	}
	children := make([]*peersChild, n)
	for i, nd := range c.nodes {
		ch, err := startPeersChild(self, nd.addr, rampParallel)
		if err != nil {
			res.Err = err.Error()
			return
		}
		defer ch.stop()
		children[i] = ch
	}
	rc := &rampCollector{base: time.Now()}
	stop := make(chan struct{})
	defer close(stop)
	pc := &pacer{rc: rc, period: cfg.rampPeriod}
	go pc.run(stop)
	var peers []*srcPeer
	defer func() {
		for _, sp := range peers {
			sp.p.close()
		}
	}()
	forwarded := 0
	for _, want := range cfg.rampSteps {
		if want > res.MaxFit {
			logf("cluster ramp: %d tunnels do not fit the open-file limit %d; stopping at %d", want, res.Nofile, res.MaxFit)
			want = res.MaxFit
		}
		if want <= len(peers) {
			break
		}
		first := len(peers)
		t0 := time.Now()
		toks, err := openMany(c.nodes[0].api, want-first, 16)
		if err != nil {
			res.Err = err.Error()
			return
		}
		st := clusterStep{OpenSeconds: time.Since(t0).Seconds()}
		t0 = time.Now()
		if err := connectDestinations(children, toks, first); err != nil {
			res.Err = err.Error()
			return
		}
		newPeers, err := connectSources(c, toks, first)
		if err != nil {
			res.Err = err.Error()
			return
		}
		for _, sp := range newPeers {
			if err := sp.start(rc); err != nil {
				res.Err = "source peer: " + err.Error()
				return
			}
		}
		for i := first; i < want; i++ {
			if i%n != (i/n)%n {
				forwarded++
			}
		}
		peers = append(peers, newPeers...)
		pc.add(newPeers)
		st.Tunnels, st.Forwarded, st.ConnectSeconds = len(peers), forwarded, time.Since(t0).Seconds()
		logf("cluster ramp: %d tunnels connected (%d forwarded; %.1fs to open, %.1fs to connect both peers)", st.Tunnels, st.Forwarded, st.OpenSeconds, st.ConnectSeconds)
		measureClusterStep(cfg, c, children, rc, &st, res.BaseRSSKB, baseGo)
		logf("cluster ramp: %d tunnels: rss %v KiB, %v B/tunnel, cpu %v, rtt p50 %.0fµs p99 %.0fµs, %d sent, %d lost, %d closed",
			st.Tunnels, st.RSSKB, roundAll(st.PerTunnelB), roundAll(st.CPUCores), st.Lat.P50, st.Lat.P99, st.Sent, st.Lost, rc.closed.Load())
		res.Steps = append(res.Steps, st)
		if cfg.profile && (st.Tunnels >= res.MaxFit || want == cfg.rampSteps[len(cfg.rampSteps)-1]) {
			saveMemProfiles(c.nodes[1], filepath.Join(c.dir, "..", "ramp"), logf)
		}
		if st.Tunnels >= res.MaxFit {
			break
		}
	}
	if k := rc.closed.Load(); k > 0 {
		res.Err = fmt.Sprintf("%d source peers lost their connection", k)
	}
	return res
}

// measureClusterStep lets every new peer send, then measures one window.
func measureClusterStep(cfg *config, c *benchCluster, children []*peersChild, rc *rampCollector, st *clusterStep, baseRSS, baseGo []int64) {
	n := len(c.nodes)
	time.Sleep(cfg.rampSettle)
	rc.open()
	peerPids := []int{os.Getpid()}
	for _, ch := range children {
		peerPids = append(peerPids, ch.cmd.Process.Pid)
	}
	cpu := func(pids []int) (d time.Duration) {
		for _, p := range pids {
			d += cpuTime(p)
		}
		return d
	}
	c0 := make([]time.Duration, n)
	for i, nd := range c.nodes {
		c0[i] = cpuTime(nd.pid())
	}
	p0, w0 := cpu(peerPids), time.Now()
	time.Sleep(cfg.rampWindow)
	el := time.Since(w0)
	for i, nd := range c.nodes {
		st.CPUCores = append(st.CPUCores, float64(cpuTime(nd.pid())-c0[i])/float64(el))
	}
	st.PeersCPU = float64(cpu(peerPids)-p0) / float64(el)
	rc.close()
	time.Sleep(300 * time.Millisecond) // echoes of the window's last messages
	lat := rc.echoes()
	owned := float64(st.Tunnels) / float64(n)
	for i, nd := range c.nodes {
		rss := procStatusKB(nd.pid(), "VmRSS")
		st.RSSKB = append(st.RSSKB, rss)
		st.PerTunnelB = append(st.PerTunnelB, float64(rss-baseRSS[i])*1024/owned)
		st.GoPerTunnelB = append(st.GoPerTunnelB, float64(goMemKB(nd.pprof)-baseGo[i])*1024/owned)
		st.Fds = append(st.Fds, fdCount(nd.pid()))
	}
	st.Sent = rc.sent.Load()
	st.Lost = st.Sent - int64(len(lat))
	st.Lat = quantiles(lat)
}

func roundAll(v []float64) []string {
	var out []string
	for _, x := range v {
		out = append(out, fmt.Sprintf("%.2f", x))
	}
	if len(out) > 0 && v[0] > 10 {
		out = out[:0]
		for _, x := range v {
			out = append(out, fmt.Sprintf("%.0f", x))
		}
	}
	return out
}
