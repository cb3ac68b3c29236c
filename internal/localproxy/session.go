package localproxy

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
	"golang.org/x/sync/errgroup"
)

// svcState is one service within a session.
type svcState struct {
	id        string // tunnel service id ("" for a tunnel without services)
	wireID    string // serviceId a source puts on its messages
	network   string // destination: "tcp" or "unix"
	addr      string // destination: endpoint to dial
	streamID  int32  // current stream, 0 if none
	startConn uint32 // connection id carried by the current STREAM_START
	connSeq   uint32 // source: last connection id issued
	conns     map[uint32]*lconn
}

// session is one WebSocket connection to the relay and the local
// connections it carries.
type session struct {
	e     *engine
	cfg   *Config
	log   *slog.Logger
	wc    *wsConn
	sched *sched
	inb   *budget // inbound bytes held by the connections' inboxes
	ctrl  *outq   // messages that belong to no connection
	w     wsWriter
	wg    sync.WaitGroup
	// ctx is the session's lifetime, set by run before anything reads it;
	// connection contexts derive from it.
	ctx context.Context

	mu       sync.Mutex
	services map[string]*svcState // nil until SERVICE_IDS; guarded by mu
	ids      []string             // the tunnel's service ids; guarded by mu
	closing  bool                 // guarded by mu
}

func newSession(e *engine, wc *wsConn) *session {
	s := &session{e: e, cfg: &e.cfg, wc: wc, sched: newSched(), ctrl: newOutq(), inb: newBudget()}
	s.w = wsWriter{fw: newFrameWriter(wc, e.cfg.WriteTimeout), failed: make(chan error, 1)}
	s.log = e.log.With("session", e.sessions)
	return s
}

// wsHandler answers the service's control frames: a ping with a pong
// carrying the same payload (queued for the writer), a pong (the reply to
// our ping, which carries its send time) with a trace of the round trip,
// and Close frames with a Close written at once.
func (s *session) wsHandler() wsHandler {
	return wsHandler{
		ping: func(p []byte) {
			s.sched.push(s.ctrl, wsControlFrame(wsframe.OpPong, p))
			s.wake()
		},
		pong: func(p []byte) {
			if ms, err := strconv.ParseInt(string(p), 10, 64); err == nil {
				s.log.Log(context.Background(), LevelTrace, "pong", "rtt", time.Since(time.UnixMilli(ms)))
			}
		},
		sendClose: func(code uint16, reason string) {
			s.wc.writeClose(code, reason, time.Now().Add(closeWriteWait))
		},
	}
}

// closeWriteWait bounds the write of a Close frame.
const closeWriteWait = time.Second

// run serves the session until it fails or ctx ends. ready reports whether
// SERVICE_IDS was accepted.
func (s *session) run(ctx context.Context) (ready bool, err error) {
	g, gctx := errgroup.WithContext(ctx)
	s.ctx = gctx
	var d dispatcher
	g.Go(func() error { return d.loop(gctx, s) })
	g.Go(func() error { return s.writeLoop(gctx) })
	g.Go(func() error {
		<-gctx.Done()
		if ctx.Err() != nil {
			// Say goodbye with a Close frame. A write stuck on a dead link
			// must not hold this up: shorten its deadline first (bypassing
			// the lock it holds).
			deadline := time.Now().Add(closeWriteWait)
			s.wc.closing.Store(true)
			s.wc.Conn.SetWriteDeadline(deadline)
			s.wc.writeClose(wsframe.CloseNormal, "local proxy shutting down", deadline)
		}
		return s.wc.Close()
	})
	err = g.Wait()
	s.e.clearCurrent(s)
	s.closeConns()
	s.wg.Wait()
	s.sched.close()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return d.ready, err
}

// closeConns aborts every local connection and refuses new ones.
func (s *session) closeConns() {
	s.mu.Lock()
	s.closing = true
	var all []*lconn
	for _, svc := range s.services {
		for k, c := range svc.conns {
			all = append(all, c)
			delete(svc.conns, k)
		}
	}
	s.mu.Unlock()
	for _, c := range all {
		c.abort()
	}
}

// send queues a session-level message for the writer goroutine.
func (s *session) send(m *wire.Message) {
	s.sched.push(s.ctrl, controlFrame(m))
	s.wake()
}

// service returns the state of the service a message names; an empty id
// means the only service (V1 format). The caller holds s.mu.
func (s *session) service(id string) *svcState {
	if svc := s.services[id]; svc != nil {
		return svc
	}
	if id == "" && len(s.services) == 1 {
		for _, svc := range s.services {
			return svc
		}
	}
	return nil
}

// conn returns the connection a stream message is for, or nil if the
// message is stale. The caller holds s.mu.
func (s *session) conn(m *wire.Message) (*svcState, *lconn) {
	svc := s.service(m.ServiceID)
	if svc == nil || svc.streamID != m.StreamID || m.StreamID == 0 {
		return svc, nil
	}
	if c := svc.conns[m.ConnectionID]; c != nil || m.ConnectionID != 0 {
		return svc, c
	}
	return svc, svc.conns[svc.startConn] // a V2-format peer omits the id
}

// forget removes c from its service.
func (s *session) forget(c *lconn) {
	s.mu.Lock()
	if c.svc.conns[c.key] == c {
		delete(c.svc.conns, c.key)
	}
	s.mu.Unlock()
}

// newConnLocked registers a connection; the caller holds s.mu and starts
// c.serve.
func (s *session) newConnLocked(svc *svcState, key uint32, m *wire.Message, done func()) *lconn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &lconn{s: s, svc: svc, key: key, streamID: m.StreamID, wireSvc: m.ServiceID,
		wireConn: m.ConnectionID, reset: wire.TypeConnectionReset, out: newOutq(), in: newInbox(s.inb),
		ctx: ctx, cancel: cancel, done: done}
	if m.ConnectionID == 0 {
		c.reset = wire.TypeStreamReset
	}
	c.log = s.log.With("service_id", svc.id, "stream_id", m.StreamID, "connection_id", m.ConnectionID)
	svc.conns[key] = c
	s.wg.Add(1)
	return c
}
