package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clusterResults is everything `tunnelbench cluster` measured.
type clusterResults struct {
	Command  string            `json:"command"`
	Date     string            `json:"date"`
	Smoke    bool              `json:"smoke"`
	Machine  machine           `json:"machine"`
	Nodes    int               `json:"nodes"`
	Pool     int               `json:"pool_max_conns"` // per node
	Paths    []pathResult      `json:"paths"`
	PathsErr string            `json:"paths_error,omitempty"`
	API      []clusterAPIRow   `json:"api"`
	APIErr   string            `json:"api_error,omitempty"`
	Ramp     clusterRampResult `json:"ramp"`
	RampOne  rampResult        `json:"ramp_single"` // the same peers and traffic on one SQLite node
	Failover failoverResult    `json:"failover"`
	Duration float64           `json:"duration_seconds"`
}

// cmdCluster runs the cluster benchmark (issue 12): PostgreSQL, three
// tunneld nodes and HAProxy, each figure beside its single-node one.
func cmdCluster(args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	bin := fs.String("bin", "", "directory with tunneld, localproxy and apibench binaries")
	out := fs.String("out", "", "output directory (results.json, report.md, logs)")
	smoke := fs.Bool("smoke", false, "tiny sizes and durations (CI): checks the suite works, figures mean nothing")
	docs := fs.String("docs", "", "replace the generated cluster section of this Markdown file (docs/BENCHMARKS.md)")
	only := fs.String("only", "paths,api,ramp,failover", "parts to run")
	command := fs.String("command", "make bench-cluster", "command line to print in the report")
	nodes := fs.Int("nodes", 3, "tunneld nodes")
	pool := fs.Int("pool", 8, "pool_max_conns of every node's database URL (few busy backends per database core cost least)")
	lease := fs.String("lease", "", "--cluster-lease of every node (empty: tunneld's default, 3s)")
	failN := fs.Int("failover-tunnels", 20, "tunnels owned by the node that is killed")
	rampSteps := fs.String("ramp-steps", "", "comma-separated tunnel counts of the ramp (default 2500,5000,7500,25000, capped at what fits the open-file limit; smoke 30,60)")
	rampPeriod := fs.Duration("ramp-period", 5*time.Second, "each ramp tunnel sends one 64-byte message per period")
	forwardFds := fs.Int("forward-fds", defaultForwardFds, "descriptors one forwarded peer costs the forwarding node and its owner together, the client's socket included (sizes the ramp's largest step)")
	profile := fs.Bool("profile", false, "CPU profiles of node1 during the 3-node API runs (in OUT/api/profiles)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *out == "" || *nodes < 2 || *pool < 1 {
		return fmt.Errorf("-bin and -out are required, -nodes at least 2, -pool at least 1")
	}
	if *forwardFds < 1 {
		return fmt.Errorf("-forward-fds: %d: a forwarded peer holds at least its client's socket", *forwardFds)
	}
	cfg := fullConfig()
	cfg.rampSteps, cfg.rampWindow, cfg.rampSettle = []int{2500, 5000, 7500, 25000}, 10*time.Second, 0
	if *smoke {
		cfg = smokeConfig()
		cfg.rampSteps, *failN = []int{30, 60}, min(*failN, 3)
	}
	cfg.rampPeriod, cfg.profile, cfg.forwardFds = *rampPeriod, *profile, *forwardFds
	if *smoke && !flagSet(fs, "ramp-period") {
		cfg.rampPeriod = 500 * time.Millisecond
	}
	cfg.rampSettle = max(cfg.rampSettle, cfg.rampPeriod+200*time.Millisecond) // every new peer sends once
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
	parts := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		parts[p] = true
	}
	res := &clusterResults{Command: *command, Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Smoke: *smoke, Machine: describeMachine(), Nodes: *nodes, Pool: *pool}
	failures := runClusterParts(cfg, res, parts, *bin, *out, self, *lease, *failN, logf)
	res.Machine.LoadAft = loadavg()
	res.Duration = time.Since(start).Seconds()
	js, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "results.json"), js, 0o644); err != nil {
		return err
	}
	md := clusterReport(res, cfg)
	if err := os.WriteFile(filepath.Join(*out, "report.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Println(md)
	if *docs != "" { // errors, if any, are in the report
		if err := updateClusterDocs(*docs, md); err != nil {
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

// runClusterParts starts the echo server and the cluster and runs the
// parts in order; the failover, which kills a node, runs last.
func runClusterParts(cfg *config, res *clusterResults, parts map[string]bool, bin, out, self, lease string, failN int, logf func(string, ...any)) (failures []string) {
	fail := func(part string, err string) string {
		if err != "" {
			failures = append(failures, part+": "+err)
		}
		return err
	}
	srv, srvAddr, err := startServer(self, out)
	if err != nil {
		return []string{err.Error()}
	}
	defer srv.stop()
	var extra []string
	if lease != "" {
		extra = []string{"--cluster-lease", lease}
	}
	c, err := startCluster(bin, filepath.Join(out, "cluster"), res.Nodes, res.Pool, extra...)
	if err != nil {
		return []string{"cluster: " + err.Error()}
	}
	defer c.stop()
	if err := c.startHAProxy(); err != nil {
		return []string{err.Error()}
	}
	var baseFds []int
	for _, nd := range c.nodes {
		baseFds = append(baseFds, fdCount(nd.pid()))
	}
	logf("cluster: PostgreSQL at %s, %d nodes, HAProxy at %s (round robin) and %s (node1 first)", c.pg.Dir(), len(c.nodes), c.lb, c.first)
	if parts["paths"] {
		var err error
		os.MkdirAll(filepath.Join(out, "paths"), 0o755)
		res.Paths, err = measurePaths(cfg, c, bin, filepath.Join(out, "paths"), srvAddr, logf)
		if err != nil {
			res.PathsErr = err.Error()
		}
		fail("paths", res.PathsErr)
		for _, p := range res.Paths {
			fail("paths: "+p.Name, p.Err)
		}
	}
	if parts["api"] {
		res.API, res.APIErr = clusterAPI(cfg, c, bin, filepath.Join(out, "api"), logf)
		fail("api", res.APIErr)
	}
	if parts["ramp"] {
		logf("cluster ramp to %v tunnels", cfg.rampSteps)
		// The baseline first, while the cluster is idle.
		one := *cfg
		one.rampSteps = singleSteps(cfg.rampSteps)
		logf("one-node ramp to %v tunnels (baseline)", one.rampSteps)
		res.RampOne = ramp(&one, bin, self, filepath.Join(out, "ramp-single"), logf)
		fail("one-node ramp", res.RampOne.Err)
		baseFds = baseFds[:0]
		for _, nd := range c.nodes {
			baseFds = append(baseFds, fdCount(nd.pid()))
		}
		res.Ramp = clusterRamp(cfg, c, self, logf)
		fail("ramp", res.Ramp.Err)
		c.settle(baseFds, logf)
	}
	if parts["failover"] {
		if lease == "" {
			lease = "3s (default)"
		}
		os.MkdirAll(filepath.Join(out, "failover"), 0o755)
		res.Failover = failover(c, bin, filepath.Join(out, "failover"), srvAddr, lease, failN, logf)
		fail("failover", res.Failover.Err)
	}
	return failures
}

// flagSet reports whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// singleSteps are the steps of the one-node baseline ramp: the cluster
// ramp's first two (one node holds two descriptors per tunnel; the ramp
// caps them at what fits anyway).
func singleSteps(steps []int) []int {
	return steps[:min(2, len(steps))]
}

// settle waits (at most 60 s) until every node has closed the ramp's
// connections, then a lease more: thousands of disconnections are
// thousands of PostgreSQL writes, and the next part should not measure them.
func (c *benchCluster) settle(baseFds []int, logf func(string, ...any)) {
	end := time.Now().Add(60 * time.Second)
	for time.Now().Before(end) {
		busy := false
		for i, nd := range c.nodes {
			if fdCount(nd.pid()) > baseFds[i]+64 {
				busy = true
			}
		}
		if !busy {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	logf("cluster settled after the ramp")
}
