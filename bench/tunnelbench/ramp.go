package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const rampService = "bench"

// raiseNofile raises the soft open-file limit to the hard one.
func raiseNofile() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	l.Cur = l.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Max
}

// rampStep is what the ramp measured at one number of tunnels.
type rampStep struct {
	Tunnels        int     `json:"tunnels"`
	OpenSeconds    float64 `json:"open_seconds"`    // OpenTunnel calls for the tunnels added at this step
	ConnectSeconds float64 `json:"connect_seconds"` // connecting both peers of the tunnels added at this step
	RSSKB          int64   `json:"rss_kb"`
	GoMemKB        int64   `json:"go_mem_kb"` // HeapInuse+StackInuse from /debug/pprof/heap
	PerTunnelB     float64 `json:"per_tunnel_bytes"`
	GoPerTunnelB   float64 `json:"go_per_tunnel_bytes"`
	CPUCores       float64 `json:"cpu_cores"`
	PeersCPU       float64 `json:"peers_cpu_cores"` // both bench peer processes
	Sent           int64   `json:"sent"`
	Lost           int64   `json:"lost"`
	Lat            latResult
}

type rampResult struct {
	Target    int        `json:"target"`
	MaxFit    int        `json:"max_fit"` // tunnels that fit tunneld's open-file limit
	Nofile    uint64     `json:"nofile"`
	BaseRSSKB int64      `json:"base_rss_kb"`
	BaseGoKB  int64      `json:"base_go_kb"`
	Steps     []rampStep `json:"steps"`
	PeakRSSKB int64      `json:"peak_rss_kb"`
	Err       string     `json:"error,omitempty"`
}

// ramp starts its own tunneld and grows the number of connected tunnels
// through steps, measuring at each.
func ramp(cfg *config, bin, self, dir string, log func(string, ...any)) (res rampResult) {
	res.Nofile = raiseNofile()
	defer quietGC()()
	td, err := startTunneld(filepath.Join(bin, "tunneld"), dir, "tunneld-ramp", false)
	if err != nil {
		res.Err = err.Error()
		return
	}
	defer td.stop()
	time.Sleep(500 * time.Millisecond)
	res.BaseRSSKB = procStatusKB(td.pid(), "VmRSS")
	res.BaseGoKB = goMemKB(td.pprof)
	steps := cfg.rampSteps
	res.Target = steps[len(steps)-1]
	// tunneld holds two sockets per tunnel; leave 64 descriptors spare.
	res.MaxFit = (int(res.Nofile) - fdCount(td.pid()) - 64) / 2
	child := exec.Command(self, "peers", "-endpoint", td.addr, "-period", cfg.rampPeriod.String())
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		res.Err = err.Error()
		return
	}
	lines := newLineReader(stdout)
	defer func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { child.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			child.Process.Kill()
			<-done
		}
	}()
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
	for _, want := range steps {
		if want > res.MaxFit {
			log("ramp: %d tunnels do not fit the open-file limit %d; stopping at %d", want, res.Nofile, res.MaxFit)
			want = res.MaxFit
		}
		if want <= len(peers) {
			break
		}
		t0 := time.Now()
		add := want - len(peers)
		toks, err := openMany(td.api, add, 16)
		if err != nil {
			res.Err = err.Error()
			return
		}
		tOpen := time.Since(t0)
		t0 = time.Now()
		for _, t := range toks {
			fmt.Fprintln(stdin, "dst", t.DestinationAccessToken)
		}
		for range toks {
			l, err := lines.next(60 * time.Second)
			if err != nil {
				res.Err = "destination peers: " + err.Error()
				return
			}
			if l != "ok" {
				res.Err = "destination peer: " + l
				return
			}
		}
		newPeers := make([]*srcPeer, len(toks))
		var wg sync.WaitGroup
		var firstErr atomic.Value
		sem := make(chan struct{}, 64)
		for i, t := range toks {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				p, err := dialPeer(td.addr, nil, "source", t.SourceAccessToken, 30*time.Second)
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				newPeers[i] = &srcPeer{p: p}
			}()
		}
		wg.Wait()
		if e := firstErr.Load(); e != nil {
			res.Err = "source peer: " + e.(string)
			return
		}
		for _, sp := range newPeers {
			if err := sp.start(rc); err != nil {
				res.Err = "source peer: " + err.Error()
				return
			}
		}
		peers = append(peers, newPeers...)
		pc.add(newPeers)
		st := rampStep{Tunnels: len(peers), OpenSeconds: tOpen.Seconds(), ConnectSeconds: time.Since(t0).Seconds()}
		log("ramp: %d tunnels connected (%d added: %.1fs to open, %.1fs to connect both peers)", st.Tunnels, add, st.OpenSeconds, st.ConnectSeconds)
		time.Sleep(cfg.rampSettle) // every new peer sends at least once
		rc.open()
		var profDone chan struct{}
		if cfg.profile && st.Tunnels >= res.MaxFit || cfg.profile && want == steps[len(steps)-1] {
			profDone = make(chan struct{})
			go func() {
				defer close(profDone)
				f := filepath.Join(filepath.Dir(dir), "profiles", fmt.Sprintf("ramp-%d-tunneld.pprof", st.Tunnels))
				if err := fetchProfile(td.pprof, f, cfg.rampWindow); err != nil {
					log("ramp profile: %v", err)
				}
			}()
		}
		c0, w0 := cpuTime(td.pid()), time.Now()
		p0 := cpuTime(os.Getpid()) + cpuTime(child.Process.Pid)
		time.Sleep(cfg.rampWindow)
		c1, w1 := cpuTime(td.pid()), time.Now()
		p1 := cpuTime(os.Getpid()) + cpuTime(child.Process.Pid)
		if profDone != nil {
			<-profDone
		}
		rc.close()
		time.Sleep(300 * time.Millisecond) // let echoes of the window arrive before counting
		lat := rc.echoes()
		st.CPUCores = float64(c1-c0) / float64(w1.Sub(w0))
		st.PeersCPU = float64(p1-p0) / float64(w1.Sub(w0))
		st.RSSKB = procStatusKB(td.pid(), "VmRSS")
		st.GoMemKB = goMemKB(td.pprof)
		st.PerTunnelB = float64(st.RSSKB-res.BaseRSSKB) * 1024 / float64(st.Tunnels)
		st.GoPerTunnelB = float64(st.GoMemKB-res.BaseGoKB) * 1024 / float64(st.Tunnels)
		st.Sent = rc.sent.Load()
		st.Lost = st.Sent - int64(len(lat)) // sent in the window, no echo within 300 ms
		st.Lat = quantiles(lat)
		log("ramp: %d tunnels: rss %d MiB (%.0f B/tunnel), cpu %.2f cores (peers %.2f), rtt p50 %.0fµs p99 %.0fµs max %.0fµs, %d msgs, %d closed",
			st.Tunnels, st.RSSKB>>10, st.PerTunnelB, st.CPUCores, st.PeersCPU, st.Lat.P50, st.Lat.P99, st.Lat.Max, st.Lat.N, rc.closed.Load())
		res.Steps = append(res.Steps, st)
		if st.Tunnels >= res.MaxFit {
			break
		}
	}
	res.PeakRSSKB = procStatusKB(td.pid(), "VmHWM")
	if n := rc.closed.Load(); n > 0 {
		res.Err = fmt.Sprintf("%d source peers lost their connection", n)
	}
	return res
}

// openMany opens n tunnels with the given concurrency.
func openMany(api *apiClient, n, workers int) ([]openedTunnel, error) {
	out := make([]openedTunnel, n)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				t, err := api.openTunnel(rampService)
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				out[i] = t
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, fmt.Errorf("%s", e.(string))
	}
	return out, nil
}

// goMemKB reads HeapInuse+StackInuse from tunneld's pprof heap page.
func goMemKB(pprofAddr string) int64 {
	resp, err := httpGet("http://" + pprofAddr + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return 0
	}
	var heap, stack int64
	for _, l := range strings.Split(resp, "\n") {
		if v, ok := strings.CutPrefix(l, "# HeapInuse = "); ok {
			fmt.Sscan(v, &heap)
		}
		if v, ok := strings.CutPrefix(l, "# StackInuse = "); ok {
			fmt.Sscan(v, &stack)
		}
	}
	return (heap + stack) >> 10
}

// quietGC turns the garbage collector of this bench process off (up to a
// 1 GiB heap, where it comes back) and returns the function that restores
// it. The ramp's peer processes are the load generator, not the system
// under test: a collection in them, tens of milliseconds with 10,000
// goroutines on two cores, would otherwise show up as tunnel latency.
// tunneld keeps its default collector.
func quietGC() (restore func()) {
	pct := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(1 << 30)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}
