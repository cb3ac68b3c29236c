package relay

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// smallBufSize is the read buffer every peer owns; it is all an idle peer
// reads into.
const smallBufSize = 1024

// peer is one attached WebSocket: a source or destination local proxy.
// Its reader goroutine (run) parses, validates and relays what the client
// sends; its outbox owns the one writer goroutine.
type peer struct {
	s         *Server
	conn      net.Conn
	mode      tunnel.Mode
	version   int
	channelID string
	log       *slog.Logger
	started   time.Time
	remote    string // the client's address, for events
	userAgent string // its User-Agent, clipped, for events
	announced bool   // an EventConnect was reported

	ctx    context.Context // canceled when the peer starts closing
	cancel context.CancelFunc
	bgCtx  context.Context // never canceled; for StateRecorder calls

	t       *tunnelEntry // set by hub.attach; nil if never attached
	out     outbox
	closing atomic.Bool
	readBy  atomic.Int64 // read deadline (unix ns) once closing

	// dispatchMu is held by the reader while it routes and queues a batch
	// of messages; a replacement takes it to wait for the batch in flight.
	dispatchMu sync.Mutex

	// Owned by the reader goroutine.
	rd       frameReader
	msg      wire.Message
	format   sessionFormat
	gotClose bool   // the client sent a Close frame
	broken   bool   // rd hit a framing error; its state is unusable
	msgs     uint64 // relayed since the last flushStats
	bytes    uint64
	inMsgs   uint64 // received in all, for EventDisconnect
	inBytes  uint64
	small    [smallBufSize]byte
}

func (s *Server) newPeer(ctx context.Context, conn net.Conn, hs *handshake, channelID string, remote string) *peer {
	p := &peer{s: s, conn: conn, mode: hs.mode, version: hs.version, channelID: channelID, started: time.Now()}
	p.bgCtx = context.WithoutCancel(ctx)
	p.ctx, p.cancel = context.WithCancel(p.bgCtx)
	p.log = s.log.With("mode", hs.mode.String(), "channel_id", channelID, "remote_addr", remote)
	p.out = outbox{conn: conn, tw: newDirectWriter(conn), writeTimeout: s.cfg.WriteTimeout, held: true,
		onWriteError: func(error) { p.closeWith(reasonConnLost) }}
	p.rd = newFrameReader(p.small[:])
	return p
}

// closeWith starts closing the peer for reason r; only the first call
// counts. It never blocks: the writer sends the Close frame, and the
// reader is woken through its read deadline.
func (p *peer) closeWith(r closeReason) {
	now := time.Now()
	if !p.out.close(r, now.Add(p.s.closeGrace)) {
		return
	}
	readBy := now
	if r.linger() {
		readBy = now.Add(p.s.closeGrace)
	}
	p.readBy.Store(readBy.UnixNano())
	p.closing.Store(true)
	p.cancel()
	p.conn.SetReadDeadline(readBy)
}

// run serves the peer until it closes, then cleans up. It owns the
// connection.
func (p *peer) run() {
	defer p.s.wg.Done()
	p.out.release()
	p.readLoop()
	p.leave()
	p.drain()
	p.out.wait()
	p.conn.Close()
	p.rd.Release()
	p.s.untrack(p)
	r := p.out.closeReason()
	p.s.met.closes[r.kind].Add(1)
	p.emitDisconnect(r)
	p.log.Info("peer closed", "reason", r.kind.String(), "code", r.code, "rule", string(r.rule),
		"duration", time.Since(p.started).Round(time.Millisecond))
}

// readLoop reads until the peer closes.
func (p *peer) readLoop() {
	if p.rd.Buffered() && !p.process() { // bytes sent with the handshake
		return
	}
	for !p.closing.Load() {
		b := p.rd.Space()
		p.conn.SetReadDeadline(time.Now().Add(p.s.cfg.IdleTimeout))
		if p.closing.Load() {
			return // closeWith may have set its deadline before ours
		}
		n, err := p.conn.Read(b)
		if n > 0 {
			p.rd.Advance(n)
			if !p.throttle(n) || !p.process() {
				return
			}
		}
		if err != nil {
			if !p.closing.Load() {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					p.closeWith(reasonIdle)
				} else {
					p.closeWith(reasonConnLost)
				}
			}
			return
		}
	}
}

// throttle applies the tunnel's bandwidth limit to n bytes just read: the
// reader waits, so TCP pushes back on the client. Nothing is dropped.
func (p *peer) throttle(n int) bool {
	bw := p.t.bw
	if bw == nil {
		return true
	}
	for n > 0 {
		k := min(n, bw.Burst())
		if err := bw.WaitN(p.ctx, k); err != nil {
			return false
		}
		n -= k
	}
	return true
}

// process handles every complete frame in the read buffer. It returns
// false when the peer must stop reading.
func (p *peer) process() bool {
	p.dispatchMu.Lock()
	defer p.dispatchMu.Unlock()
	defer p.flushStats()
	for !p.closing.Load() {
		ev, err := p.rd.next()
		if err != nil {
			p.broken = true
			p.violate(err)
			return false
		}
		switch ev.Kind {
		case wsframe.NeedMore:
			return true
		case wsframe.Record:
			if !p.relay(ev.Data) {
				return false
			}
		case wsframe.Ping:
			// Echo the payload byte for byte (D19); never pong otherwise.
			if p.out.push(opPong, ev.Data, p.ctx.Done(), false, false) != nil {
				return false
			}
		case wsframe.CloseFrame:
			p.gotClose = true
			if p.rd.Pending() {
				p.violate(&wire.RuleError{Rule: wire.RuleTruncatedFrameAtEOF, Detail: "Close frame inside a tunnel frame"})
			} else {
				c, _ := wsframe.ParseClose(ev.Data) // Next checked it
				p.closeWith(reasonEcho(c))
			}
			return false
		}
	}
	return false
}

// relay validates one tunnel frame and queues its original bytes for the
// other peer.
func (p *peer) relay(frame []byte) bool {
	p.inMsgs++
	p.inBytes += uint64(len(frame))
	m := &p.msg
	if err := m.Unmarshal(frame[wire.LengthPrefixSize:]); err != nil {
		rule := wire.RuleMalformed
		if fe := (*wire.FieldError)(nil); errors.As(err, &fe) {
			rule = wire.RuleUnexpectedField
		}
		p.violate(&wire.RuleError{Rule: rule, Detail: err.Error()})
		return false
	}
	err := m.CheckClient(p.mode == tunnel.ModeSource)
	if err == nil {
		err = checkVersion(m, p.version)
	}
	var other *peer
	if err == nil {
		other, err = p.t.route(p, m)
	}
	if err != nil {
		if !errors.Is(err, errNotCurrent) {
			p.violate(err)
		}
		return false
	}
	if other != nil {
		if other.out.push(opBinary, frame, p.ctx.Done(), false, p.rd.Buffered()) == nil {
			p.msgs++
			p.bytes += uint64(len(frame))
			return true
		}
		if p.closing.Load() {
			return false
		}
	}
	return p.absent(m)
}

// absent handles a message whose receiver is not attached (D5): a start
// is refused at once with the matching reset; anything else is dropped.
func (p *peer) absent(m *wire.Message) bool {
	p.s.met.dropped.Add(1)
	var reply wire.Message
	switch m.Type {
	case wire.TypeStreamStart:
		reply = wire.Message{Type: wire.TypeStreamReset, StreamID: m.StreamID, ServiceID: m.ServiceID}
	case wire.TypeConnectionStart:
		reply = wire.Message{Type: wire.TypeConnectionReset, StreamID: m.StreamID, ServiceID: m.ServiceID, ConnectionID: m.ConnectionID}
	default:
		return true
	}
	f, _ := wire.AppendFrame(nil, &reply)
	return p.out.push(opBinary, f, p.ctx.Done(), false, false) == nil
}

// violate closes the peer with 1002 for a broken rule (D7). The other
// peer gets STREAM_RESET for the active streams when this one leaves.
func (p *peer) violate(err error) {
	re := &wire.RuleError{Rule: wire.RuleMalformed, Detail: err.Error()}
	errors.As(err, &re)
	p.s.met.violation(re.Rule)
	p.log.Warn("protocol violation", "rule", string(re.Rule), "err", re.Detail)
	p.closeWith(reasonViolation(re.Rule))
}

func (p *peer) flushStats() {
	if p.msgs == 0 {
		return
	}
	d := modeIndex(p.mode)
	p.s.met.relayedMsgs[d].Add(p.msgs)
	p.s.met.relayedBytes[d].Add(p.bytes)
	p.msgs, p.bytes = 0, 0
}

// leave detaches the peer: the survivor gets STREAM_RESET for every active
// stream (D6), and the connection state is recorded, unless the peer was
// replaced (then the newcomer holds the state).
func (p *peer) leave() {
	if p.t == nil {
		return
	}
	p.s.met.peers[modeIndex(p.mode)][p.version-1].Add(-1)
	mu := p.s.stripe(p.t.id)
	mu.Lock()
	defer mu.Unlock()
	other, resets, current := p.s.hub.detach(p)
	for _, f := range resets {
		other.out.push(opBinary, f, nil, true, false)
	}
	if current {
		p.s.recordState(p, false)
	}
}

// drain waits, after the relay's Close frame, for the client's Close
// reply or end of stream, discarding everything else, so the client can
// read the Close frame before the relay closes TCP.
func (p *peer) drain() {
	if p.gotClose || !p.out.closeReason().linger() {
		return
	}
	p.conn.SetReadDeadline(time.Unix(0, p.readBy.Load()))
	var scratch [512]byte
	for {
		for !p.broken {
			ev, err := p.rd.next()
			if err != nil {
				p.broken = true
			}
			if ev.Kind == wsframe.CloseFrame {
				return
			}
			if ev.Kind == wsframe.NeedMore {
				break
			}
		}
		b := scratch[:]
		if !p.broken {
			b = p.rd.Space()
		}
		n, err := p.conn.Read(b)
		if !p.broken {
			p.rd.Advance(n)
		}
		if err != nil {
			return
		}
	}
}
