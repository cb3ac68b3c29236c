package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
)

// proxyPair is a tunnel with a destination and a source localproxy.
type proxyPair struct {
	id        string
	ownerLog  string // the log of the node meant to own it, read from ownerFrom
	ownerFrom int64
	dst, src  *proc
	addr      string // the source localproxy's listener
}

func (pp *proxyPair) stop() {
	if pp != nil {
		pp.src.stop()
		pp.dst.stop()
	}
}

// startPair opens a tunnel through api and starts its destination
// localproxy on dstEP (forwarding to srvAddr) and its source localproxy on
// srcEP; it waits until the destination is attached (so that its node owns
// the tunnel) and an echo goes through.
func startPair(api *apiClient, lp, dir, name, dstEP, srcEP, srvAddr string, owner *tunneld) (*proxyPair, error) {
	tun, err := openRetry(api)
	if err != nil {
		return nil, err
	}
	pp := &proxyPair{id: tun.TunnelID}
	var from int64
	if owner != nil {
		from = logSize(owner.log)
		pp.ownerLog, pp.ownerFrom = owner.log, from
	}
	pp.dst, err = startProc(name+"-dst", filepath.Join(dir, name+"-dst.log"), []string{"AWSIOT_TUNNEL_ACCESS_TOKEN=" + tun.DestinationAccessToken},
		lp, "-e", "ws://"+dstEP, "-d", srvAddr, "-v", "3")
	if err != nil {
		return nil, err
	}
	if owner != nil {
		// The destination connects first: its node becomes the owner.
		end := time.Now().Add(20 * time.Second)
		for attachedSince(owner.log, from, tun.TunnelID) < 1 {
			if time.Now().After(end) || pp.dst.exited() {
				pp.dst.stop()
				return nil, fmt.Errorf("%s: destination not attached on %s: %s", name, owner.name, tail(mustRead(pp.dst.log)))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	pp.src, err = startProc(name+"-src", filepath.Join(dir, name+"-src.log"), []string{"AWSIOT_TUNNEL_ACCESS_TOKEN=" + tun.SourceAccessToken},
		lp, "-e", "ws://"+srcEP, "-m", "src", "-v", "4")
	if err != nil {
		pp.dst.stop()
		return nil, err
	}
	addrs, err := pp.src.waitListen(20*time.Second, listenlog.Source)
	if err == nil {
		pp.addr = addrs[listenlog.Source]
		err = waitEcho(pp.addr, 20*time.Second, pp.src, pp.dst)
	}
	if err != nil {
		pp.stop()
		return nil, fmt.Errorf("%s: tunnel not ready: %w", name, err)
	}
	return pp, nil
}

// logSize is the size of the log at path (0 if unreadable).
func logSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// attachedSince counts the "peer attached" lines of tunnel id in the log
// at path after offset from (node logs grow to megabytes in the ramp).
func attachedSince(path string, from int64, id string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	b, _ := io.ReadAll(io.NewSectionReader(f, from, 1<<40))
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.Contains(l, []byte(`msg="peer attached"`)) && bytes.Contains(l, []byte("tunnel_id="+id)) {
			n++
		}
	}
	return n
}

// pathResult is one tunnel layout's one-stream throughput and 64-byte
// round trips.
type pathResult struct {
	Name    string     `json:"name"`
	Layout  string     `json:"layout"`
	Tunnel1 tputResult `json:"tunnel_1"`    // download: destination → source
	Up1     tputResult `json:"tunnel_1_up"` // upload: source → destination
	Lat     latResult  `json:"lat"`
	Err     string     `json:"error,omitempty"`
}

// measurePaths measures the one-node tunnel (both peers on node A), the
// forwarded one (destination on A, source on B) and one with both peers
// through HAProxy, in alternating windows so drift hits each alike.
func measurePaths(cfg *config, c *benchCluster, bin, dir, srvAddr string, logf func(string, ...any)) ([]pathResult, error) {
	lp := filepath.Join(bin, "localproxy")
	a, b := c.nodes[0], c.nodes[1]
	layouts := []struct{ name, layout, dst, src string }{
		{"one node", "both localproxies → node A", a.addr, a.addr},
		{"forwarded", "destination → node A, source → node B → A", a.addr, b.addr},
		{"through HAProxy", "both localproxies → HAProxy (round robin)", c.lb, c.lb},
	}
	var pairs []*proxyPair
	defer func() {
		for _, p := range pairs {
			p.stop()
		}
	}()
	res := make([]pathResult, len(layouts))
	var targets []string
	for i, l := range layouts {
		owner := a
		if l.dst == c.lb {
			owner = nil
		}
		pp, err := startPair(a.api, lp, dir, fmt.Sprintf("path%d", i), l.dst, l.src, srvAddr, owner)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pp)
		targets = append(targets, pp.addr)
		res[i] = pathResult{Name: l.name, Layout: l.layout}
	}
	logf("paths: %d tunnels up", len(pairs))
	pids := map[string]int{"client": os.Getpid()}
	for _, nd := range c.nodes {
		pids[nd.name] = nd.pid()
	}
	tps := interleaved(cfg.rounds, len(targets), func(i int) tputResult {
		return throughputCPU(targets[i], 1, cfg.warmup, cfg.measure/time.Duration(cfg.rounds), pids)
	})
	ups := interleaved(cfg.rounds, len(targets), func(i int) tputResult {
		return transferCPU(targets[i], 1, cfg.warmup, cfg.measure/time.Duration(cfg.rounds), true, pids)
	})
	latErrs := make([]string, len(targets))
	lats := interleaved(cfg.rounds, len(targets), func(i int) []time.Duration {
		l, err := latencySamples(targets[i], cfg.latCount/cfg.rounds, cfg.latDur/time.Duration(cfg.rounds))
		if err != nil {
			latErrs[i] = err.Error()
		}
		return l
	})
	for i := range res {
		res[i].Tunnel1 = mergeTput(tps[i])
		res[i].Up1 = mergeTput(ups[i])
		res[i].Lat = quantiles(slices.Concat(lats[i]...))
		res[i].Lat.Err = latErrs[i]
		res[i].Err = firstNonEmpty(res[i].Tunnel1.Err, res[i].Up1.Err, latErrs[i])
		if res[i].Err == "" && (res[i].Tunnel1.Bytes == 0 || res[i].Up1.Bytes == 0 || res[i].Lat.N == 0) {
			res[i].Err = "no traffic through the tunnel"
		}
		logf("paths: %s: down %.2f Gbit/s, up %.2f Gbit/s, rtt p50 %.0fµs p99 %.0fµs", res[i].Name, res[i].Tunnel1.Bps/1e9, res[i].Up1.Bps/1e9, res[i].Lat.P50, res[i].Lat.P99)
	}
	return res, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// openRetry opens a tunnel, retrying 503 ServiceUnavailable (as the AWS
// SDKs do) up to 10 times, 300 ms apart.
func openRetry(api *apiClient) (openedTunnel, error) {
	for i := 0; ; i++ {
		t, err := api.openTunnel(rampService)
		if err == nil || i == 9 || !strings.Contains(err.Error(), "status 503") {
			return t, err
		}
		time.Sleep(300 * time.Millisecond)
	}
}
