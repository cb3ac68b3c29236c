package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

// cmdPeers is the peer process of the ramps: it holds light WebSocket
// peers on one tunneld (-endpoint), so that the ramp's peers are spread
// over processes and none of them needs a descriptor for every tunnel.
// It reads one command per line on stdin and answers on stdout:
//
//	dst TOKEN  connect a destination peer, which echoes every DATA message: "ok" or "err MESSAGE"
//	src TOKEN  connect a source peer (not sending yet): "ok" or "err MESSAGE"
//	start      start the sources connected since the last start: each opens its
//	           stream, then sends one 64-byte DATA per -period: "ok"
//	open       open a measuring window (see rampCollector): "ok"
//	close      close it: "ok"
//	stats      the window so far: lines "lat NS NS ..." (round trips in
//	           nanoseconds, at most statsPerLine a line), then "stats SENT ECHOES CLOSED"
//
// At most -parallel peers connect at once, and their answers come in any
// order. Every other command first waits for the connects in flight, so its
// answer follows theirs. EOF on stdin closes every peer and ends the process.
func cmdPeers(args []string) error {
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "tunneld HOST:PORT")
	ca := fs.String("ca", "", "CA file for TLS (empty = plain)")
	parallel := fs.Int("parallel", 64, "peers connecting at once")
	period := fs.Duration("period", 5*time.Second, "each started source sends one 64-byte message per period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *endpoint == "" || *period <= 0 {
		return fmt.Errorf("peers: -endpoint is required and -period must be positive")
	}
	raiseNofile()
	defer quietGC()()
	var tlsCfg *tls.Config
	if *ca != "" {
		var err error
		if tlsCfg, err = tlsConfigFromCA(*ca); err != nil {
			return err
		}
	}
	ps := newPeerSet(*endpoint, tlsCfg, *parallel, *period, os.Stdout)
	defer ps.closeAll()
	return ps.serve(os.Stdin)
}

// statsPerLine is how many round trips one "lat" line of stats carries.
const statsPerLine = 1000

// peerSet is the state of a peers process.
type peerSet struct {
	endpoint string
	tlsCfg   *tls.Config
	sem      chan struct{}
	inflight sync.WaitGroup
	outMu    sync.Mutex
	out      *bufio.Writer
	rc       *rampCollector
	pc       *pacer
	stop     chan struct{}
	mu       sync.Mutex
	peers    []*wsPeer  // every peer, to close at the end
	waiting  []*srcPeer // sources connected since the last start
}

func newPeerSet(endpoint string, tlsCfg *tls.Config, parallel int, period time.Duration, out io.Writer) *peerSet {
	rc := &rampCollector{base: time.Now()}
	ps := &peerSet{endpoint: endpoint, tlsCfg: tlsCfg, sem: make(chan struct{}, max(1, parallel)),
		out: bufio.NewWriter(out), rc: rc, pc: &pacer{rc: rc, period: period}, stop: make(chan struct{})}
	go ps.pc.run(ps.stop)
	return ps
}

// serve runs the commands of r until EOF.
func (ps *peerSet) serve(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		arg = strings.TrimSpace(arg)
		switch cmd {
		case "":
		case "dst", "src":
			if arg == "" {
				ps.say("err " + cmd + ": no token")
				continue
			}
			ps.sem <- struct{}{}
			ps.inflight.Add(1)
			go ps.connect(cmd, arg)
		default:
			ps.inflight.Wait()
			ps.command(cmd)
		}
	}
	ps.inflight.Wait()
	return sc.Err()
}

// connect connects one peer and answers for it.
func (ps *peerSet) connect(kind, token string) {
	defer ps.inflight.Done()
	mode := map[string]string{"dst": "destination", "src": "source"}[kind]
	p, err := dialPeer(ps.endpoint, ps.tlsCfg, mode, token, 60*time.Second)
	<-ps.sem
	if err != nil {
		ps.say("err " + kind + ": " + strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	ps.mu.Lock()
	ps.peers = append(ps.peers, p)
	if kind == "src" {
		ps.waiting = append(ps.waiting, &srcPeer{p: p})
	}
	ps.mu.Unlock()
	if kind == "dst" {
		go echoPeer(p)
	}
	ps.say("ok")
}

// command runs a command other than a connect; no connect is in flight.
func (ps *peerSet) command(cmd string) {
	switch cmd {
	case "start":
		ps.mu.Lock()
		waiting := ps.waiting
		ps.waiting = nil
		ps.mu.Unlock()
		for _, sp := range waiting {
			if err := sp.start(ps.rc); err != nil {
				ps.say("err start: " + err.Error())
				return
			}
		}
		ps.pc.add(waiting)
		ps.say("ok")
	case "open":
		ps.rc.open()
		ps.say("ok")
	case "close":
		ps.rc.close()
		ps.say("ok")
	case "stats":
		ps.stats()
	default:
		ps.say(fmt.Sprintf("err unknown command %q", cmd))
	}
}

// stats writes the window's round trips and counts.
func (ps *peerSet) stats() {
	lat := ps.rc.echoes()
	sent := ps.rc.sent.Load()
	var b strings.Builder
	for i := 0; i < len(lat); i += statsPerLine {
		b.Reset()
		b.WriteString("lat")
		for _, d := range lat[i:min(i+statsPerLine, len(lat))] {
			fmt.Fprintf(&b, " %d", int64(d))
		}
		ps.say(b.String())
	}
	ps.say(fmt.Sprintf("stats %d %d %d", sent, len(lat), ps.rc.closed.Load()))
}

func (ps *peerSet) say(s string) {
	ps.outMu.Lock()
	ps.out.WriteString(s + "\n")
	ps.out.Flush()
	ps.outMu.Unlock()
}

// closeAll stops the pacer and closes every peer.
func (ps *peerSet) closeAll() {
	close(ps.stop)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.peers {
		p.close()
	}
}

// echoPeer sends back every DATA message p receives until p fails.
func echoPeer(p *wsPeer) {
	var m wire.Message
	for {
		if err := p.read(&m); err != nil {
			p.close()
			return
		}
		if m.Type == wire.TypeData {
			out := wire.Message{Type: wire.TypeData, StreamID: m.StreamID, ServiceID: m.ServiceID, ConnectionID: m.ConnectionID, Payload: m.Payload}
			if p.send(&out) != nil {
				p.close()
				return
			}
		}
	}
}
