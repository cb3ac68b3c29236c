package localproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// engine is the state of one Run: configuration, the current session and,
// in source mode, the listeners that outlive sessions.
type engine struct {
	cfg       Config
	log       *slog.Logger
	endpoint  *url.URL
	localAddr net.Addr // destination: local address to dial from, or nil
	sessions  int      // sessions started; used by the loop goroutine only
	// generatedToken: the client token is ours, so a restarted process
	// presents another one and a used access token is refused.
	generatedToken bool
	// tlsSessions lets a reconnect resume the previous TLS session instead
	// of a full handshake.
	tlsSessions tls.ClientSessionCache
	// listenHook, if set, replaces a source's TCP listen (RunStdio).
	listenHook func(ctx context.Context, serviceID, addr string) (net.Listener, error)

	mu         sync.Mutex       // a leaf lock
	cur        *session         // ready session, or nil; guarded by mu
	curReady   chan struct{}    // closed when cur becomes non-nil; guarded by mu
	resolved   []resolved       // service mapping fixed by the first SERVICE_IDS; guarded by mu
	resolvedOK bool             // resolved is set; guarded by mu
	streamSeq  map[string]int32 // last stream id per service; guarded by mu
	listeners  []*listener      // guarded by mu
	acceptWG   sync.WaitGroup
	stopped    chan struct{} // closed when Run ends: accept loops exit
}

// Run runs a local proxy until ctx ends (it returns ctx.Err()), the service
// closes the tunnel with a Close frame (nil) or a fatal error occurs: an
// error wrapping ErrInvalidConfig, a *HandshakeError, a
// *ServiceMismatchError, ErrRetriesExhausted, a listen failure, or (with
// ExitOnDataError) a *ProtocolError. Everything Run starts has stopped when
// it returns.
func Run(ctx context.Context, cfg Config) error {
	e, err := newEngine(cfg)
	if err != nil {
		return err
	}
	defer e.stopListeners()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return e.loop(ctx)
}

func newEngine(cfg Config) (*engine, error) {
	cfg = cfg.withDefaults()
	u, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	generated := cfg.ClientToken == ""
	if generated {
		cfg.ClientToken = newClientToken()
	}
	e := &engine{cfg: cfg, log: cfg.Logger.With("mode", cfg.Mode.String()), endpoint: u, generatedToken: generated,
		tlsSessions: tls.NewLRUClientSessionCache(4), curReady: make(chan struct{}), streamSeq: make(map[string]int32), stopped: make(chan struct{})}
	if cfg.Mode == tunnel.ModeDestination && cfg.BindAddress != "" {
		a, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(cfg.BindAddress, "0"))
		if err != nil {
			return nil, configErrorf("local bind address %q: %v", cfg.BindAddress, err)
		}
		e.localAddr = a
	}
	return e, nil
}

// loop connects, serves and reconnects with backoff.
func (e *engine) loop(ctx context.Context) error {
	failures, attempt := 0, 0
	for {
		e.sessions++
		ready, err := e.session(ctx)
		if err = e.outcome(ctx, err); err == nil || ctx.Err() != nil || !e.retryable(err) {
			return err
		}
		if ready {
			failures, attempt = 0, 0
		} else {
			failures++
		}
		if n := e.cfg.MaxConnectAttempts; n > 0 && failures >= n {
			return fmt.Errorf("%w (%d attempts): %w", ErrRetriesExhausted, failures, err)
		}
		d := backoff(e.cfg.ReconnectDelay, e.cfg.MaxReconnectDelay, attempt)
		attempt++
		msg := "cannot connect to the service; retrying"
		if ready {
			msg = "connection to the service lost; reconnecting"
		}
		e.log.Warn(msg, "err", err, "delay", d.Round(time.Millisecond))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// session connects once and serves the session.
func (e *engine) session(ctx context.Context) (ready bool, err error) {
	wc, err := e.connect(ctx)
	if err != nil {
		return false, err
	}
	return newSession(e, wc).run(ctx)
}

// outcome logs how a session ended and maps a Close frame to nil.
func (e *engine) outcome(ctx context.Context, err error) error {
	var ce *closedError
	switch {
	case ctx.Err() != nil:
		e.log.Info("shutting down")
		return ctx.Err()
	case errors.As(err, &ce) && !retryableClose(ce.code):
		e.log.Info("tunnel closed by the service; exiting", "close_code", ce.code, "reason", ce.text)
		return nil
	}
	var he *HandshakeError
	if errors.As(err, &he) && he.StatusCode == 400 && e.generatedToken && e.sessions == 1 {
		e.log.Info("hint: if this access token was used before, it works again only with the same " +
			"client token (-i); rotate the access token, or always pass -i")
	}
	return err
}

// retryable reports whether Run should reconnect after err.
func (e *engine) retryable(err error) bool {
	var he *HandshakeError
	var pe *ProtocolError
	var me *ServiceMismatchError
	var ce *closedError
	switch {
	case errors.As(err, &he):
		return he.Retryable()
	case errors.As(err, &me), errors.Is(err, ErrInvalidConfig), errors.As(err, new(*listenError)):
		return false
	case errors.As(err, &pe):
		return !e.cfg.ExitOnDataError
	case errors.As(err, &ce):
		return retryableClose(ce.code)
	}
	return true
}

// retryableClose reports whether a Close code means "come back later"
// (server going away or restarting) rather than "tunnel over".
func retryableClose(code int) bool {
	switch code {
	case 1001, 1011, 1012, 1013:
		return true
	}
	return false
}

// backoff returns the delay before reconnect attempt n: base·2ⁿ capped at
// max, jittered down by up to half.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

// setCurrent publishes a ready session to the accept loops.
func (e *engine) setCurrent(s *session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur == nil {
		close(e.curReady)
	}
	e.cur = s
}

// clearCurrent withdraws s if it is the current session.
func (e *engine) clearCurrent(s *session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur == s {
		e.cur = nil
		e.curReady = make(chan struct{})
	}
}

// current returns the ready session, or nil.
func (e *engine) current() *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cur
}

// waitSession waits for a ready session; false if Run is ending.
func (e *engine) waitSession() bool {
	for {
		e.mu.Lock()
		s, ch := e.cur, e.curReady
		e.mu.Unlock()
		if s != nil {
			return true
		}
		select {
		case <-ch:
		case <-e.stopped:
			return false
		}
	}
}

// nextStream returns a new stream id for a service: increasing over the
// whole run, wrapping from MaxInt32 to 1.
func (e *engine) nextStream(serviceID string) int32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.streamSeq[serviceID] + 1
	if id <= 0 {
		id = 1
	}
	e.streamSeq[serviceID] = id
	return id
}

func quote(s string) string { return strconv.Quote(s) }
