package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clusterAPIRow is one apibench row of one setup, with the CPU (cores)
// that tunneld, PostgreSQL and apibench used meanwhile.
type clusterAPIRow struct {
	Setup string `json:"setup"`
	apiRow
	TunneldCPU  float64 `json:"tunneld_cpu_cores"`
	PostgresCPU float64 `json:"postgres_cpu_cores"`
	ClientCPU   float64 `json:"apibench_cpu_cores"`
}

// clusterAPI measures OpenTunnel/s and DescribeTunnel/s on one node with
// SQLite, on one node of the cluster, and on every node of the cluster at
// once, with the same number of clients (16 per cluster node).
func clusterAPI(cfg *config, c *benchCluster, bin, dir string, logf func(string, ...any)) ([]clusterAPIRow, string) {
	clients := 16 * len(c.nodes)
	single, err := startTunneld(filepath.Join(bin, "tunneld"), filepath.Join(dir, "sqlite"), "tunneld-sqlite", false)
	if err != nil {
		return nil, err.Error()
	}
	var all []clusterAPIRow
	var errs []string
	run := func(setup string, nodes []*tunneld, pg bool) {
		var eps []string
		var pids []int
		for _, nd := range nodes {
			eps = append(eps, "http://"+nd.addr)
			pids = append(pids, nd.pid())
		}
		for _, op := range []string{"OpenTunnel", "DescribeTunnel"} {
			pgDir := ""
			if pg {
				pgDir = c.pg.Dir()
			}
			if cfg.profile && len(nodes) > 1 {
				go func() {
					f := filepath.Join(dir, "profiles", op+"-node1.pprof")
					if err := fetchProfile(nodes[0].pprof, f, cfg.apiDur); err != nil {
						logf("api profile: %v", err)
					}
				}()
			}
			r, e := apiBenchCPU(filepath.Join(bin, "apibench"), pids, pgDir, "-endpoint", strings.Join(eps, ","),
				"-credentials", filepath.Join(nodes[0].dir, "data", "credentials"), "-ops", op,
				"-clients", strconv.Itoa(clients), "-duration", cfg.apiDur.String())
			if e != "" {
				errs = append(errs, setup+" "+op+": "+e)
				continue
			}
			r.Setup = setup
			// A smoke run checks that the part works: on a loaded CI machine
			// a stalled database may fail a few calls (503, which clients
			// retry) without anything being broken.
			if r.Errors > 0 && (!cfg.smoke || 2*r.Errors > r.N) {
				errs = append(errs, fmt.Sprintf("%s %s: %d errors", setup, op, r.Errors))
			}
			logf("api: %s: %s %.0f/s (%d errors; cpu: tunneld %.2f, postgres %.2f, apibench %.2f)", setup, op, r.PerSec, r.Errors, r.TunneldCPU, r.PostgresCPU, r.ClientCPU)
			all = append(all, r)
		}
	}
	run("1 node, SQLite", []*tunneld{single}, false)
	single.stop()
	run("1 node of the cluster, PostgreSQL", c.nodes[:1], true)
	run(fmt.Sprintf("%d nodes, PostgreSQL", len(c.nodes)), c.nodes, true)
	return all, strings.Join(errs, "; ")
}

// apiBenchCPU runs apibench for one operation and measures the CPU of the
// tunneld processes, the PostgreSQL server of directory pgDir ("": none)
// and apibench itself over its run (the window includes apibench's start
// and its one OpenTunnel).
func apiBenchCPU(bin string, tunneldPids []int, pgDir string, args ...string) (clusterAPIRow, string) {
	sum := func(pids []int) (d time.Duration) {
		for _, p := range pids {
			d += cpuTime(p)
		}
		return d
	}
	t0, p0, w0 := sum(tunneldPids), postgresCPU(pgDir), time.Now()
	cmd := exec.Command(bin, args...)
	outb, err := cmd.CombinedOutput()
	el := float64(time.Since(w0))
	if err != nil {
		return clusterAPIRow{}, fmt.Sprintf("%v: %s", err, tail(outb))
	}
	rows, e := parseAPIRows(outb)
	if e != "" {
		return clusterAPIRow{}, e
	}
	client := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return clusterAPIRow{apiRow: rows[0], TunneldCPU: float64(sum(tunneldPids)-t0) / el,
		PostgresCPU: float64(postgresCPU(pgDir)-p0) / el, ClientCPU: float64(client) / el}, ""
}

// postgresCPU returns the CPU time the PostgreSQL server of directory dir
// (pgtest's; "": none) has used so far: its own, that of its children
// alive now (the backends, one per pooled connection, and the auxiliary
// processes) and that of the children that have exited. Backends that
// the pools open during a run count from their start.
func postgresCPU(dir string) time.Duration {
	if dir == "" {
		return 0
	}
	pids := postgresPids(dir)
	if len(pids) == 0 {
		return 0
	}
	d := cpuTimeWithChildren(pids[0])
	for _, p := range pids[1:] {
		d += cpuTime(p)
	}
	return d
}

// cpuTimeWithChildren is cpuTime plus the CPU time of pid's children
// that have exited and been waited for (cutime and cstime).
func cpuTimeWithChildren(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 <= len(s) {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 15 {
		return 0
	}
	// After the command: utime(11) stime(12) cutime(13) cstime(14), in
	// clock ticks (100 Hz on Linux).
	var ticks int64
	for _, v := range f[11:15] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// postgresPids returns the PostgreSQL server of directory dir (pgtest's)
// and its children (the backends: one per pooled connection).
func postgresPids(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return nil
	}
	master, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return nil
	}
	pids := []int{master}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(st)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(master) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
