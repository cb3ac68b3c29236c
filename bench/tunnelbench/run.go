package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
)

// config sizes one run.
type config struct {
	smoke       bool
	warmup      time.Duration
	measure     time.Duration // per figure, split over rounds
	rounds      int           // alternating windows per figure
	manyStreams int
	latCount    int
	latDur      time.Duration
	connWorkers int
	connCount   int
	connDur     time.Duration
	apiDur      time.Duration
	rampSteps   []int
	rampSettle  time.Duration
	rampWindow  time.Duration
	profile     bool
	rampPeriod  time.Duration // each tunnel sends one message per period
	forwardFds  int           // cluster ramp: descriptors per forwarded peer (-forward-fds)
}

func fullConfig() *config {
	return &config{warmup: 500 * time.Millisecond, measure: 6 * time.Second, rounds: 3, manyStreams: 64, latCount: 20000, latDur: 3 * time.Second,
		connWorkers: 16, connCount: 20000, connDur: 3 * time.Second, apiDur: 3 * time.Second,
		rampSteps: []int{1000, 5000, 10000}, rampSettle: 1500 * time.Millisecond, rampWindow: 5 * time.Second}
}

func smokeConfig() *config {
	return &config{smoke: true, warmup: 200 * time.Millisecond, measure: 500 * time.Millisecond, rounds: 1, manyStreams: 8, latCount: 300, latDur: 500 * time.Millisecond,
		connWorkers: 4, connCount: 200, connDur: 500 * time.Millisecond, apiDur: 500 * time.Millisecond,
		rampSteps: []int{10, 20, 50}, rampSettle: 1100 * time.Millisecond, rampWindow: 1200 * time.Millisecond}
}

// modeResult is the data-plane figures of one transport (plain or TLS).
type modeResult struct {
	Mode       string            `json:"mode"`
	Direct1    tputResult        `json:"direct_1"`
	Floor1     tputResult        `json:"floor_1"` // three minimal relays (plain only)
	FloorN     tputResult        `json:"floor_n"`
	LatFloor   latResult         `json:"lat_floor"`
	DirectN    tputResult        `json:"direct_n"`
	Tunnel1    tputResult        `json:"tunnel_1"`
	TunnelN    tputResult        `json:"tunnel_n"`
	LatDirect  latResult         `json:"lat_direct"`
	LatTunnel  latResult         `json:"lat_tunnel"`
	ConnDirect connResult        `json:"conn_direct"`
	ConnTunnel connResult        `json:"conn_tunnel"`
	PeakRSSKB  map[string]int64  `json:"peak_rss_kb"`
	Profiles   map[string]string `json:"profiles,omitempty"`
	Err        string            `json:"error,omitempty"`
}

type machine struct {
	Nproc   int    `json:"nproc"`
	CPU     string `json:"cpu"`
	Kernel  string `json:"kernel"`
	Go      string `json:"go"`
	LoadBef string `json:"load_before"`
	LoadAft string `json:"load_after"`
	MemGiB  string `json:"mem"`
}

type results struct {
	Command  string       `json:"command"`
	Date     string       `json:"date"`
	Smoke    bool         `json:"smoke"`
	Machine  machine      `json:"machine"`
	Modes    []modeResult `json:"modes"`
	API      []apiRow     `json:"api"`
	APIErr   string       `json:"api_error,omitempty"`
	Ramp     rampResult   `json:"ramp"`
	Duration float64      `json:"duration_seconds"`
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	bin := fs.String("bin", "", "directory with tunneld, localproxy and apibench binaries")
	out := fs.String("out", "", "output directory (results.json, report.md, bench.svg, logs)")
	smoke := fs.Bool("smoke", false, "tiny sizes and durations (CI): checks the suite works, figures mean nothing")
	docs := fs.String("docs", "", "replace the generated section of this Markdown file (docs/BENCHMARKS.md)")
	svgOut := fs.String("svg", "", "also write the chart here (e.g. docs/bench.svg)")
	svgLink := fs.String("svg-link", "bench.svg", "chart path as linked from the docs file")
	profile := fs.Bool("profile", false, "collect CPU profiles of tunneld and both localproxies during the one-stream tests (localproxy serves pprof on $LOCALPROXY_PPROF)")
	only := fs.String("only", "plain,tls,api,ramp", "parts to run")
	command := fs.String("command", "make bench", "command line to print in the report")
	rampSteps := fs.String("ramp-steps", "", "comma-separated tunnel counts of the ramp (default 1000,5000,10000; smoke 10,20,50)")
	rampWindow := fs.Duration("ramp-window", 0, "measuring window at each ramp step (default 5s)")
	rampPeriod := fs.Duration("ramp-period", time.Second, "each ramp tunnel sends one 64-byte message per period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *out == "" {
		return fmt.Errorf("-bin and -out are required")
	}
	cfg := fullConfig()
	if *smoke {
		cfg = smokeConfig()
	}
	cfg.profile = *profile
	if *rampSteps != "" {
		cfg.rampSteps = nil
		for _, f := range strings.Split(*rampSteps, ",") {
			n, err := strconv.Atoi(f)
			if err != nil || n <= 0 {
				return fmt.Errorf("-ramp-steps: bad count %q", f)
			}
			cfg.rampSteps = append(cfg.rampSteps, n)
		}
	}
	cfg.rampPeriod = *rampPeriod
	if *rampWindow > 0 {
		cfg.rampWindow = *rampWindow
	}
	if *profile && cfg.measure < 10*time.Second && !*smoke {
		cfg.measure = 10 * time.Second
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	start := time.Now()
	logf := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
	}
	raiseNofile()
	res := &results{Command: *command, Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Smoke: *smoke, Machine: describeMachine()}
	parts := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		parts[p] = true
	}

	srv, srvAddr, err := startServer(self, *out)
	if err != nil {
		return err
	}
	defer srv.stop()
	logf("sink/echo server at %s", srvAddr)

	var failures []string
	floorAddr := ""
	if parts["plain"] && !*profile {
		floor, addr, err := startFloor(self, *out, srvAddr)
		if err != nil {
			return fmt.Errorf("relay floor: %w", err)
		}
		defer stopAll(floor)
		floorAddr = addr
		logf("relay floor (three chained minimal TCP relays) at %s", floorAddr)
	}
	for _, mode := range []string{"plain", "tls"} {
		if !parts[mode] {
			continue
		}
		fa := ""
		if mode == "plain" {
			fa = floorAddr
		}
		mr := runMode(cfg, mode, *bin, *out, srvAddr, fa, srv, *profile, logf, parts["api"] && mode == "plain", res)
		if mr.Err != "" {
			failures = append(failures, mode+": "+mr.Err)
		}
		res.Modes = append(res.Modes, mr)
	}
	if res.APIErr != "" {
		failures = append(failures, "api: "+res.APIErr)
	}
	if parts["ramp"] {
		logf("ramp to %v tunnels", cfg.rampSteps)
		res.Ramp = ramp(cfg, *bin, self, filepath.Join(*out, "ramp"), logf)
		if res.Ramp.Err != "" {
			failures = append(failures, "ramp: "+res.Ramp.Err)
		}
	}
	res.Machine.LoadAft = loadavg()
	res.Duration = time.Since(start).Seconds()

	js, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "results.json"), js, 0o644); err != nil {
		return err
	}
	svg := chartSVG(res)
	if err := os.WriteFile(filepath.Join(*out, "bench.svg"), []byte(svg), 0o644); err != nil {
		return err
	}
	if *svgOut != "" {
		if err := os.WriteFile(*svgOut, []byte(svg), 0o644); err != nil {
			return err
		}
	}
	md := report(res, *svgLink)
	if err := os.WriteFile(filepath.Join(*out, "report.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Println(md)
	if *docs != "" {
		if err := updateDocs(*docs, md, summary(res)); err != nil {
			return err
		}
		logf("updated %s", *docs)
	}
	logf("done in %.0fs; results in %s", time.Since(start).Seconds(), *out)
	if len(failures) > 0 {
		return fmt.Errorf("failures:\n  %s", strings.Join(failures, "\n  "))
	}
	return nil
}

func startServer(self, out string) (*proc, string, error) {
	p, err := startProc("server", filepath.Join(out, "server.log"), nil, self, "server", "-listen", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr, err := p.waitLog(regexp.MustCompile(`listening (\S+)`), 10*time.Second)
	if err != nil {
		p.stop()
		return nil, "", err
	}
	return p, addr, nil
}

// runMode measures one transport: tunneld, one tunnel, two localproxies.
func runMode(cfg *config, mode, bin, out, srvAddr, floorAddr string, srv *proc, profile bool, logf func(string, ...any), api bool, res *results) (mr modeResult) {
	mr.Mode = mode
	mr.PeakRSSKB = map[string]int64{}
	dir := filepath.Join(out, mode)
	useTLS := mode == "tls"
	td, err := startTunneld(filepath.Join(bin, "tunneld"), dir, "tunneld", useTLS)
	if err != nil {
		mr.Err = err.Error()
		return
	}
	defer td.stop()
	tun, err := td.api.openTunnel(rampService)
	if err != nil {
		mr.Err = err.Error()
		return
	}
	ep := []string{"-e", "ws://" + td.addr}
	if useTLS {
		ep = []string{"-e", td.addr, "-c", filepath.Join(td.dir, "data", "tls")}
	}
	lp := filepath.Join(bin, "localproxy")
	pp := map[string]string{"tunneld": td.pprof}
	var dstEnv, srcEnv []string
	if profile {
		pp["lp-dst"] = fmt.Sprintf("127.0.0.1:%d", pickPort())
		pp["lp-src"] = fmt.Sprintf("127.0.0.1:%d", pickPort())
		dstEnv = []string{"LOCALPROXY_PPROF=" + pp["lp-dst"]}
		srcEnv = []string{"LOCALPROXY_PPROF=" + pp["lp-src"]}
	}
	dst, err := startProc("lp-dst", filepath.Join(dir, "lp-dst.log"), append(dstEnv, "AWSIOT_TUNNEL_ACCESS_TOKEN="+tun.DestinationAccessToken),
		lp, append(ep, "-d", srvAddr, "-v", "3")...)
	if err != nil {
		mr.Err = err.Error()
		return
	}
	defer dst.stop()
	// -m src without -s: the source listens on a port the OS chooses and
	// reports it at level info (-v 4; nothing per connection is logged there).
	src, err := startProc("lp-src", filepath.Join(dir, "lp-src.log"), append(srcEnv, "AWSIOT_TUNNEL_ACCESS_TOKEN="+tun.SourceAccessToken),
		lp, append(ep, "-m", "src", "-v", "4")...)
	if err != nil {
		mr.Err = err.Error()
		return
	}
	defer src.stop()
	srcAddrs, err := src.waitListen(20*time.Second, listenlog.Source)
	if err != nil {
		mr.Err = "tunnel not ready: " + err.Error()
		return
	}
	tunAddr := srcAddrs[listenlog.Source]
	if err := waitEcho(tunAddr, 20*time.Second, src, dst); err != nil {
		mr.Err = "tunnel not ready: " + err.Error()
		return
	}
	logf("%s: tunnel up (tunneld %s, source %s)", mode, td.addr, tunAddr)
	pids := map[string]int{"tunneld": td.pid(), "lp-src": src.pid(), "lp-dst": dst.pid(), "server": srv.pid(), "client": os.Getpid()}
	for _, pid := range pids {
		resetHWM(pid)
	}
	tp := func(addr string, n int, prof string) tputResult {
		var wg sync.WaitGroup
		if prof != "" {
			mr.Profiles = map[string]string{}
			for name, a := range pp {
				f := filepath.Join(out, "profiles", mode+"-"+name+".pprof")
				mr.Profiles[name] = f
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(cfg.warmup)
					if err := fetchProfile(a, f, cfg.measure); err != nil {
						logf("profile %s: %v", name, err)
					}
				}()
			}
		}
		r := throughputCPU(addr, n, cfg.warmup, cfg.measure, pids)
		wg.Wait()
		return r
	}
	if profile {
		// One long window per figure, so the profiles cover the tunnel only.
		mr.Direct1 = tp(srvAddr, 1, "")
		mr.Tunnel1 = tp(tunAddr, 1, "1")
		mr.DirectN = tp(srvAddr, cfg.manyStreams, "")
		mr.TunnelN = tp(tunAddr, cfg.manyStreams, "")
	} else {
		// Alternate short windows of each path, so that drift in what the
		// machine gives us (other jobs share it) hits every figure alike.
		targets := []string{srvAddr, tunAddr}
		if floorAddr != "" {
			targets = append(targets, floorAddr)
		}
		for _, n := range []int{1, cfg.manyStreams} {
			rs := interleaved(cfg.rounds, len(targets), func(i int) tputResult {
				return throughputCPU(targets[i], n, cfg.warmup, cfg.measure/time.Duration(cfg.rounds), pids)
			})
			d, t, f := &mr.Direct1, &mr.Tunnel1, &mr.Floor1
			if n != 1 {
				d, t, f = &mr.DirectN, &mr.TunnelN, &mr.FloorN
			}
			*d, *t = mergeTput(rs[0]), mergeTput(rs[1])
			if floorAddr != "" {
				*f = mergeTput(rs[2])
			}
		}
	}
	floor := func(format string, v float64) string {
		if floorAddr == "" {
			return ""
		}
		return fmt.Sprintf(", relay floor "+format, v)
	}
	logf("%s: 1 stream: direct %.2f Gbit/s, tunnel %.2f Gbit/s (%.0f%%)%s", mode, mr.Direct1.Bps/1e9, mr.Tunnel1.Bps/1e9, 100*mr.Tunnel1.Bps/mr.Direct1.Bps, floor("%.2f Gbit/s", mr.Floor1.Bps/1e9))
	logf("%s: %d streams: direct %.2f Gbit/s, tunnel %.2f Gbit/s (%d idle streams)%s", mode, cfg.manyStreams, mr.DirectN.Bps/1e9, mr.TunnelN.Bps/1e9, mr.TunnelN.Idle, floor("%.2f Gbit/s", mr.FloorN.Bps/1e9))
	for name, pid := range pids {
		mr.PeakRSSKB[name] = procStatusKB(pid, "VmHWM")
	}
	latTargets := []string{srvAddr, tunAddr}
	if floorAddr != "" {
		latTargets = append(latTargets, floorAddr)
	}
	latErrs := make([]string, len(latTargets))
	lats := interleaved(cfg.rounds, len(latTargets), func(i int) []time.Duration {
		lat, err := latencySamples(latTargets[i], cfg.latCount/cfg.rounds, cfg.latDur/time.Duration(cfg.rounds))
		if err != nil {
			latErrs[i] = err.Error()
		}
		return lat
	})
	lr := make([]latResult, len(latTargets))
	for i := range lr {
		lr[i] = quantiles(slices.Concat(lats[i]...))
		lr[i].Err = latErrs[i]
	}
	mr.LatDirect, mr.LatTunnel = lr[0], lr[1]
	if floorAddr != "" {
		mr.LatFloor = lr[2]
	}
	logf("%s: rtt p99 direct %.0fµs, tunnel %.0fµs%s", mode, mr.LatDirect.P99, mr.LatTunnel.P99, floor("%.0fµs", mr.LatFloor.P99))
	mr.ConnDirect = connRate(srvAddr, cfg.connWorkers, cfg.connCount, cfg.connDur)
	mr.ConnTunnel = connRate(tunAddr, cfg.connWorkers, cfg.connCount, cfg.connDur)
	logf("%s: new connections/s direct %.0f, tunnel %.0f (%d errors: %s)", mode, mr.ConnDirect.PerSec, mr.ConnTunnel.PerSec, mr.ConnTunnel.Errors, mr.ConnTunnel.Err)
	for name, pid := range pids {
		mr.PeakRSSKB[name] = max(mr.PeakRSSKB[name], procStatusKB(pid, "VmHWM"))
	}
	var errs []string
	for _, e := range []string{mr.Direct1.Err, mr.Tunnel1.Err, mr.DirectN.Err, mr.TunnelN.Err, mr.LatDirect.Err, mr.LatTunnel.Err, mr.ConnDirect.Err, mr.ConnTunnel.Err,
		mr.Floor1.Err, mr.FloorN.Err, mr.LatFloor.Err} {
		if e != "" {
			errs = append(errs, e)
		}
	}
	if mr.Tunnel1.Bytes == 0 || mr.TunnelN.Bytes == 0 || mr.ConnTunnel.OK == 0 || mr.LatTunnel.N == 0 {
		errs = append(errs, "no traffic through the tunnel")
	}
	for _, p := range []*proc{src, dst, td.proc} {
		if p.exited() {
			errs = append(errs, p.name+" exited: "+tail(mustRead(p.log)))
		}
	}
	if len(errs) > 0 {
		mr.Err = strings.Join(errs, "; ")
	}
	if api {
		res.API, res.APIErr = runAPIBench(filepath.Join(bin, "apibench"), td, cfg.apiDur)
		logf("api: %d rows %s", len(res.API), res.APIErr)
	}
	return mr
}

func mustRead(p string) []byte { b, _ := os.ReadFile(p); return b }

// interleaved calls measure(i) for each of n targets in each of rounds
// rounds, alternating the order between rounds, and returns each target's
// results in round order.
func interleaved[T any](rounds, n int, measure func(i int) T) [][]T {
	out := make([][]T, n)
	for r := range rounds {
		for k := range n {
			i := k
			if r%2 == 1 {
				i = n - 1 - k
			}
			out[i] = append(out[i], measure(i))
		}
	}
	return out
}

// mergeTput combines the windows of one figure: the median rate (robust
// to one window disturbed by other jobs), total bytes and time, the worst
// idle count and the mean CPU.
func mergeTput(rs []tputResult) tputResult {
	if len(rs) == 0 {
		return tputResult{}
	}
	m := tputResult{Streams: rs[0].Streams, CPU: map[string]float64{}}
	var rates []float64
	for _, r := range rs {
		rates = append(rates, r.Bps)
		m.Bytes += r.Bytes
		m.Seconds += r.Seconds
		m.Idle = max(m.Idle, r.Idle)
		if m.Err == "" {
			m.Err = r.Err
		}
		for k, v := range r.CPU {
			m.CPU[k] += v / float64(len(rs))
		}
	}
	slices.Sort(rates)
	m.Bps = rates[len(rates)/2]
	if len(rates)%2 == 0 {
		m.Bps = (rates[len(rates)/2-1] + rates[len(rates)/2]) / 2
	}
	return m
}

// throughputCPU runs throughput and records each process's CPU (cores)
// over the measuring window.
func throughputCPU(addr string, n int, warmup, measure time.Duration, pids map[string]int) tputResult {
	return transferCPU(addr, n, warmup, measure, false, pids)
}

// transferCPU is throughputCPU, or with up the upload of transfer.
func transferCPU(addr string, n int, warmup, measure time.Duration, up bool, pids map[string]int) tputResult {
	c0 := map[string]time.Duration{}
	c1 := map[string]time.Duration{}
	var t0, t1 time.Time
	done := make(chan struct{})
	go func() {
		time.Sleep(warmup)
		t0 = time.Now()
		for k, p := range pids {
			c0[k] = cpuTime(p)
		}
		time.Sleep(measure)
		t1 = time.Now()
		for k, p := range pids {
			c1[k] = cpuTime(p)
		}
		close(done)
	}()
	r := transfer(addr, n, warmup, measure, up)
	<-done
	r.CPU = map[string]float64{}
	for k := range pids {
		r.CPU[k] = float64(c1[k]-c0[k]) / float64(t1.Sub(t0))
	}
	return r
}

// waitEcho waits until one echo round trip through addr works.
func waitEcho(addr string, timeout time.Duration, procs ...*proc) error {
	end := time.Now().Add(timeout)
	var err error
	for time.Now().Before(end) {
		for _, p := range procs {
			if p.exited() {
				return fmt.Errorf("%s exited: %s", p.name, tail(mustRead(p.log)))
			}
		}
		if r := latency(addr, 1, time.Second); r.Err == "" && r.N > 0 {
			return nil
		} else {
			err = fmt.Errorf("%s", r.Err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

func fetchProfile(addr, file string, d time.Duration) error {
	secs := max(1, int(d.Seconds()))
	body, err := httpGet(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		return err
	}
	os.MkdirAll(filepath.Dir(file), 0o755)
	return os.WriteFile(file, []byte(body), 0o644)
}

// apiRow is one line of apibench's table.
type apiRow struct {
	Op      string  `json:"op"`
	Clients int     `json:"clients"`
	N       int     `json:"requests"`
	Errors  int     `json:"errors"`
	PerSec  float64 `json:"per_sec"`
	P50     string  `json:"p50"`
	P99     string  `json:"p99"`
}

func runAPIBench(bin string, td *tunneld, d time.Duration) ([]apiRow, string) {
	return apiBench(bin, "-endpoint", "http://"+td.addr, "-credentials", filepath.Join(td.dir, "data", "credentials"), "-duration", d.String())
}

// apiBench runs apibench with args and parses its table.
func apiBench(bin string, args ...string) ([]apiRow, string) {
	cmd := exec.Command(bin, args...)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Sprintf("%v: %s", err, tail(outb))
	}
	return parseAPIRows(outb)
}

// parseAPIRows reads apibench's Markdown table.
func parseAPIRows(outb []byte) ([]apiRow, string) {
	var rows []apiRow
	sc := bufio.NewScanner(strings.NewReader(string(outb)))
	for sc.Scan() {
		f := strings.Split(strings.Trim(sc.Text(), "| "), " | ")
		if len(f) != 7 || f[0] == "operation" || strings.HasPrefix(f[0], "---") {
			continue
		}
		var r apiRow
		r.Op = f[0]
		r.Clients, _ = strconv.Atoi(f[1])
		r.N, _ = strconv.Atoi(f[2])
		r.Errors, _ = strconv.Atoi(f[3])
		r.PerSec, _ = strconv.ParseFloat(f[4], 64)
		r.P50, r.P99 = f[5], f[6]
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, "apibench printed no rows: " + tail(outb)
	}
	return rows, ""
}

func describeMachine() machine {
	m := machine{Nproc: runtime.NumCPU(), Go: runtime.Version(), LoadBef: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := exec.Command("uname", "-srm").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if kb := procStatusKBFile("/proc/meminfo", "MemTotal"); kb > 0 {
		m.MemGiB = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		m.Nproc, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	}
	return m
}

// procStatusKBFile reads a "Field: value kB" line of a /proc file, or 0.
func procStatusKBFile(path, field string) int64 {
	b, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return 0
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return ""
}

var _ = net.Dial
