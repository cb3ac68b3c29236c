package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// rampParallel is how many peers each peers process connects at once (one
// process per node; destinations first, then sources). Every connect
// claims a token in PostgreSQL; with 64 per process (256 claims in
// flight) on a loaded two-core machine, claims timed out and a node's
// lease ran out (its heartbeat came late), so the other nodes reaped it as
// dead (see docs/BENCHMARKS.md, "Cluster").
const rampParallel = 16

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
	PeerFds        []int     `json:"peer_fds"`            // per peers process (one per node), then the bench process
	Sent           int64     `json:"sent"`
	Lost           int64     `json:"lost"`
	Lat            latResult `json:"lat"`
}

// clusterRampResult is the whole cluster ramp.
type clusterRampResult struct {
	Nodes     int `json:"nodes"`
	Target    int `json:"target"`
	MaxFit    int `json:"max_fit"`
	NodeFit   int `json:"node_fit"`   // what the nodes' limit allows
	ClientFit int `json:"client_fit"` // what the peer processes' limit allows
	// MeasuredFit, when set, is the smaller fit the nodes' descriptors at
	// the previous step gave (a -forward-fds below the real cost).
	MeasuredFit int           `json:"measured_fit,omitempty"`
	ForwardFds  int           `json:"forward_fds"`
	Nofile      uint64        `json:"nofile"`
	PeriodS     float64       `json:"period_seconds"`
	BaseRSSKB   []int64       `json:"base_rss_kb"`
	BaseFds     []int         `json:"base_fds"`
	Steps       []clusterStep `json:"steps"`
	Err         string        `json:"error,omitempty"`
}

// clusterRamp grows connected tunnels on the cluster through the steps:
// tunnel i's destination peer on node i%n, its source on node (i/n)%n,
// so (n-1)/n of the tunnels are forwarded. Each source sends one 64-byte
// message per period and the destination echoes it. The peers live in
// one peers process per node (see peersChildren).
func clusterRamp(cfg *config, c *benchCluster, self string, logf func(string, ...any)) (res clusterRampResult) {
	n := len(c.nodes)
	res.Nodes, res.Nofile, res.PeriodS, res.ForwardFds = n, raiseNofile(), cfg.rampPeriod.Seconds(), cfg.forwardFds
	res.Target = cfg.rampSteps[len(cfg.rampSteps)-1]
	baseGo := make([]int64, n)
	for i, nd := range c.nodes {
		baseGo[i] = goMemKB(nd.pprof) // collects garbage first
		res.BaseRSSKB = append(res.BaseRSSKB, procStatusKB(nd.pid(), "VmRSS"))
		res.BaseFds = append(res.BaseFds, fdCount(nd.pid()))
	}
	res.MaxFit, res.NodeFit, res.ClientFit = clusterFit(res.Nofile, n, slices.Max(res.BaseFds), cfg.forwardFds)
	var children peersChildren
	defer func() {
		for _, ch := range children {
			ch.stop()
		}
	}()
	for _, nd := range c.nodes {
		ch, err := startPeersChild(self, nd.name, nd.addr, rampParallel, cfg.rampPeriod)
		if err != nil {
			res.Err = err.Error()
			return
		}
		children = append(children, ch)
	}
	tunnels, forwarded, lost := 0, 0, int64(0)
	for _, step := range cfg.rampSteps {
		want := rampStepFit(&res, step, logf)
		if want <= tunnels {
			break
		}
		t0 := time.Now()
		toks, err := openMany(c.nodes[0].api, want-tunnels, 16)
		if err != nil {
			res.Err = err.Error()
			return
		}
		st := clusterStep{OpenSeconds: time.Since(t0).Seconds()}
		t0 = time.Now()
		if err := children.connect(toks, tunnels); err != nil {
			res.Err = err.Error()
			return
		}
		for i := tunnels; i < want; i++ {
			if i%n != (i/n)%n {
				forwarded++
			}
		}
		tunnels = want
		st.Tunnels, st.Forwarded, st.ConnectSeconds = tunnels, forwarded, time.Since(t0).Seconds()
		logf("cluster ramp: %d tunnels connected (%d forwarded; %.1fs to open, %.1fs to connect both peers)", st.Tunnels, st.Forwarded, st.OpenSeconds, st.ConnectSeconds)
		ws, err := measureClusterStep(cfg, c, children, &st, res.BaseRSSKB, baseGo)
		if err != nil {
			res.Err = err.Error()
			return
		}
		logf("cluster ramp: %d tunnels: rss %v KiB, %v B/tunnel, fds %v (peer processes %v), cpu %v (peers %.2f), rtt p50 %.0fµs p99 %.0fµs (per peer process %v), %d sent, %d lost, %d closed",
			st.Tunnels, st.RSSKB, roundAll(st.PerTunnelB), st.Fds, st.PeerFds, roundAll(st.CPUCores), st.PeersCPU, st.Lat.P50, st.Lat.P99, roundAll(ws.p99), st.Sent, st.Lost, ws.closed)
		res.Steps = append(res.Steps, st)
		if cfg.profile && (want < step || step == cfg.rampSteps[len(cfg.rampSteps)-1]) {
			saveMemProfiles(c.nodes[1], filepath.Join(c.dir, "..", "ramp"), logf)
		}
		lost = ws.closed
		if want < step {
			break
		}
	}
	if lost > 0 {
		res.Err = fmt.Sprintf("%d source peers lost their connection", lost)
	}
	return res
}

// measureClusterStep lets every new peer send, then measures one window.
// It returns how many source peers have lost their connection so far.
func measureClusterStep(cfg *config, c *benchCluster, children peersChildren, st *clusterStep, baseRSS, baseGo []int64) (ws windowStats, err error) {
	n := len(c.nodes)
	time.Sleep(cfg.rampSettle)
	if err := children.all("open"); err != nil {
		return ws, err
	}
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
	if err := children.all("close"); err != nil {
		return ws, err
	}
	time.Sleep(300 * time.Millisecond) // echoes of the window's last messages
	if ws, err = children.stats(); err != nil {
		return ws, err
	}
	owned := float64(st.Tunnels) / float64(n)
	for i, nd := range c.nodes {
		rss := procStatusKB(nd.pid(), "VmRSS")
		st.RSSKB = append(st.RSSKB, rss)
		st.PerTunnelB = append(st.PerTunnelB, float64(rss-baseRSS[i])*1024/owned)
		st.GoPerTunnelB = append(st.GoPerTunnelB, float64(goMemKB(nd.pprof)-baseGo[i])*1024/owned)
		st.Fds = append(st.Fds, fdCount(nd.pid()))
	}
	for _, pid := range peerPids[1:] {
		st.PeerFds = append(st.PeerFds, fdCount(pid))
	}
	st.PeerFds = append(st.PeerFds, fdCount(peerPids[0]))
	st.Sent = ws.sent
	st.Lost = ws.sent - int64(len(ws.lat))
	st.Lat = quantiles(ws.lat)
	return ws, nil
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
