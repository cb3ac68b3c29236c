package localproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// listener is a source's listening socket for one service. It outlives
// sessions.
type listener struct {
	id    string
	ln    net.Listener
	slots chan struct{} // one token per live connection: the accept cap
}

// listenError is a source port that could not be bound; it is fatal.
type listenError struct {
	serviceID, addr string
	err             error
}

func (e *listenError) Error() string {
	return fmt.Sprintf("listen for service %q on %s: %v", e.serviceID, e.addr, e.err)
}

func (e *listenError) Unwrap() error { return e.err }

// listen binds a listener per service (retrying DialRetries times) and
// starts the accept loops.
func (e *engine) listen(ctx context.Context, res []resolved) error {
	shared := make(chan struct{}, 1) // V1: one connection per tunnel
	var ls []*listener
	for _, r := range res {
		ln, err := e.bind(ctx, r.id, r.addr)
		if err != nil {
			for _, l := range ls {
				l.ln.Close()
			}
			return &listenError{serviceID: r.id, addr: r.addr, err: err}
		}
		l := &listener{id: r.id, ln: ln}
		switch e.cfg.version() {
		case 1:
			l.slots = shared
		case 2:
			l.slots = make(chan struct{}, 1)
		default:
			l.slots = make(chan struct{}, e.cfg.MaxConnsPerService)
		}
		ls = append(ls, l)
		if _, port, _ := net.SplitHostPort(r.addr); port == "0" {
			e.log.Info("Listen port assigned for service id "+r.id, "service_id", r.id, "addr", ln.Addr().String())
		} else {
			e.log.Info("listening", "service_id", r.id, "addr", ln.Addr().String())
		}
		if e.cfg.OnListen != nil {
			e.cfg.OnListen(r.id, ln.Addr())
		}
	}
	e.mu.Lock()
	e.listeners = ls
	e.mu.Unlock()
	for _, l := range ls {
		e.acceptWG.Add(1)
		go e.acceptLoop(l)
	}
	return nil
}

// bind listens on addr, retrying a few times (the port may be in
// TIME_WAIT or held by a process that is exiting).
func (e *engine) bind(ctx context.Context, serviceID, addr string) (net.Listener, error) {
	if e.listenHook != nil {
		return e.listenHook(ctx, serviceID, addr)
	}
	var lc net.ListenConfig
	for attempt := 0; ; attempt++ {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err == nil || attempt >= e.cfg.DialRetries {
			return ln, err
		}
		e.log.Warn("cannot listen; retrying", "addr", addr, "err", err)
		select {
		case <-time.After(e.cfg.DialRetryDelay):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// acceptLoop accepts connections while a session is ready and at most the
// allowed number are live; others wait in the kernel's backlog.
func (e *engine) acceptLoop(l *listener) {
	defer e.acceptWG.Done()
	for e.waitSession() {
		select {
		case l.slots <- struct{}{}:
		case <-e.stopped:
			return
		}
		release := sync.OnceFunc(func() { <-l.slots })
		nc, err := l.ln.Accept()
		if err != nil {
			release()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			e.log.Warn("accept failed", "service_id", l.id, "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-e.stopped:
				return
			}
			continue
		}
		e.handOff(l, nc, release)
	}
}

// handOff gives an accepted connection to the ready session. When the
// session ends meanwhile (the accept loop was already blocked in Accept
// when the relay connection dropped), the connection waits for the next
// session, as connections still in the backlog do, until Run ends.
func (e *engine) handOff(l *listener, nc net.Conn, release func()) {
	var last *session
	for {
		s := e.current()
		switch {
		case s == nil:
			if !e.waitSession() {
				nc.Close()
				release()
				return
			}
			continue
		case s != last:
			if s.startSourceConn(l.id, nc, release) {
				return
			}
			last = s // closing: wait for its successor
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-e.stopped:
			nc.Close()
			release()
			return
		}
	}
}

// stopListeners closes the listeners and waits for the accept loops.
func (e *engine) stopListeners() {
	close(e.stopped)
	e.mu.Lock()
	ls := e.listeners
	e.mu.Unlock()
	for _, l := range ls {
		l.ln.Close()
	}
	e.acceptWG.Wait()
}
