package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The cluster ramp's peers: destination peers in one `tunnelbench peers`
// process per node, source peers in this process.

// peersChild is a `tunnelbench peers` process holding destination peers
// on one node.
type peersChild struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *lineReader
}

func startPeersChild(self, endpoint string, parallel int) (*peersChild, error) {
	cmd := exec.Command(self, "peers", "-endpoint", endpoint, "-parallel", strconv.Itoa(parallel))
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &peersChild{cmd: cmd, in: in, lines: newLineReader(out)}, nil
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

// connectDestinations hands tunnel first+k's destination token to
// child (first+k)%n and waits for every answer.
func connectDestinations(children []*peersChild, toks []openedTunnel, first int) error {
	n := len(children)
	want := make([]int, n)
	for k, t := range toks {
		i := (first + k) % n
		fmt.Fprintln(children[i].in, t.DestinationAccessToken)
		want[i]++
	}
	for i, ch := range children {
		for range want[i] {
			l, err := ch.lines.next(120 * time.Second)
			if err != nil {
				return fmt.Errorf("destination peers on node %d: %w", i+1, err)
			}
			if l != "ok" {
				return fmt.Errorf("destination peer on node %d: %s", i+1, l)
			}
		}
	}
	return nil
}

// connectSources connects tunnel first+k's source peer to node
// ((first+k)/n)%n, rampParallel at a time.
func connectSources(c *benchCluster, toks []openedTunnel, first int) ([]*srcPeer, error) {
	n := len(c.nodes)
	out := make([]*srcPeer, len(toks))
	var wg sync.WaitGroup
	var firstErr atomic.Value
	sem := make(chan struct{}, rampParallel)
	for k, t := range toks {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if firstErr.Load() != nil {
				return // fail fast: the step is lost anyway
			}
			nd := c.nodes[((first+k)/n)%n]
			p, err := dialPeer(nd.addr, nil, "source", t.SourceAccessToken, 60*time.Second)
			if err != nil {
				firstErr.CompareAndSwap(nil, fmt.Sprintf("source peer on %s: %v", nd.name, err))
				return
			}
			out[k] = &srcPeer{p: p}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		for _, sp := range out {
			if sp != nil {
				sp.p.close()
			}
		}
		return nil, fmt.Errorf("%s", e.(string))
	}
	return out, nil
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
