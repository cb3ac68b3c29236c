package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The cluster ramp's peers live in one `tunnelbench peers` process per
// node (see cmdPeers), each holding every peer the layout puts on its node:
// the destinations of the tunnels that node owns and the sources that
// connect to it. The bench process holds none, so with n nodes no process
// of the bench holds much more than 2/n sockets per tunnel.

// peersChild is a `tunnelbench peers` process holding the peers on one node.
type peersChild struct {
	node  string
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *lineReader
}

func startPeersChild(self, node, endpoint string, parallel int, period time.Duration) (*peersChild, error) {
	cmd := exec.Command(self, "peers", "-endpoint", endpoint, "-parallel", strconv.Itoa(parallel), "-period", period.String())
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &peersChild{node: node, cmd: cmd, in: in, lines: newLineReader(out)}, nil
}

// stop closes stdin (the child closes its peers and exits) and waits
// for it, killing it after 10 s.
func (pc *peersChild) stop() {
	pc.in.Close()
	done := make(chan struct{})
	go func() { pc.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		pc.cmd.Process.Kill()
		<-done
	}
}

// request writes lines to the child and reads count answers, each of
// which must be "ok".
func (pc *peersChild) request(lines []string, count int, timeout time.Duration) error {
	werr := make(chan error, 1)
	go func() { // a write may block until the child has read earlier lines
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		_, err := io.WriteString(pc.in, b.String())
		werr <- err
	}()
	for range count {
		l, err := pc.lines.next(timeout)
		if err != nil {
			return fmt.Errorf("peers on %s: %w", pc.node, err)
		}
		if l != "ok" {
			return fmt.Errorf("peers on %s: %s", pc.node, l)
		}
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("peers on %s: %w", pc.node, err)
	}
	return nil
}

// peersChildren are the peer processes, child i on node i.
type peersChildren []*peersChild

// each runs f for every child at once and returns the first error.
func (cs peersChildren) each(f func(i int, ch *peersChild) error) error {
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, ch := range cs {
		wg.Go(func() { errs[i] = f(i, ch) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// all sends cmd to every child and waits for its "ok".
func (cs peersChildren) all(cmd string) error {
	return cs.each(func(_ int, ch *peersChild) error { return ch.request([]string{cmd}, 1, 60*time.Second) })
}

// connect connects both peers of tunnels first, first+1, ...: tunnel i's
// destination on node i%n, its source on node (i/n)%n. Every destination
// is connected before any source, and the sources are started last.
func (cs peersChildren) connect(toks []openedTunnel, first int) error {
	n := len(cs)
	dst, src := make([][]string, n), make([][]string, n)
	for k, t := range toks {
		i := first + k
		dst[i%n] = append(dst[i%n], "dst "+t.DestinationAccessToken)
		src[(i/n)%n] = append(src[(i/n)%n], "src "+t.SourceAccessToken)
	}
	for _, byChild := range [][][]string{dst, src} {
		err := cs.each(func(i int, ch *peersChild) error {
			return ch.request(byChild[i], len(byChild[i]), 120*time.Second)
		})
		if err != nil {
			return err
		}
	}
	return cs.all("start")
}

// windowStats is the measuring window of every child together.
type windowStats struct {
	sent, closed int64
	lat          []time.Duration // every echoed message's round trip
	p99          []float64       // per child, µs (for the log)
}

// stats collects the window of every child.
func (cs peersChildren) stats() (windowStats, error) {
	var ws windowStats
	for _, ch := range cs {
		if _, err := io.WriteString(ch.in, "stats\n"); err != nil {
			return ws, fmt.Errorf("peers on %s: %w", ch.node, err)
		}
		from := len(ws.lat)
		if err := ch.readStats(&ws); err != nil {
			return ws, fmt.Errorf("peers on %s: stats: %w", ch.node, err)
		}
		ws.p99 = append(ws.p99, quantiles(slices.Clone(ws.lat[from:])).P99)
	}
	return ws, nil
}

// readStats adds the child's answer to stats to ws.
func (pc *peersChild) readStats(ws *windowStats) error {
	got := 0
	for {
		l, err := pc.lines.next(60 * time.Second)
		if err != nil {
			return err
		}
		f := strings.Fields(l)
		switch {
		case len(f) > 0 && f[0] == "lat":
			for _, v := range f[1:] {
				ns, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fmt.Errorf("bad round trip %q", v)
				}
				ws.lat = append(ws.lat, time.Duration(ns))
				got++
			}
		case len(f) == 4 && f[0] == "stats":
			sent, err1 := strconv.ParseInt(f[1], 10, 64)
			echoes, err2 := strconv.Atoi(f[2])
			closed, err3 := strconv.ParseInt(f[3], 10, 64)
			if err1 != nil || err2 != nil || err3 != nil || echoes != got {
				return fmt.Errorf("bad answer %q after %d round trips", l, got)
			}
			ws.sent += sent
			ws.closed += closed
			return nil
		default:
			return fmt.Errorf("unexpected answer %q", l)
		}
	}
}

// saveMemProfiles saves node nd's heap profile (after a collection) and its
// goroutines grouped by stack, as text, into dir.
func saveMemProfiles(nd *tunneld, dir string, logf func(string, ...any)) {
	os.MkdirAll(dir, 0o755)
	for name, path := range map[string]string{"heap.pprof": "/debug/pprof/heap?gc=1", "goroutines.txt": "/debug/pprof/goroutine?debug=1"} {
		body, err := httpGet("http://" + nd.pprof + path)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, nd.name+"-"+name), []byte(body), 0o644)
		}
		if err != nil {
			logf("cluster ramp: %s %s: %v", nd.name, name, err)
		}
	}
}
