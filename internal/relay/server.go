package relay

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// Config configures a Server. The zero value of every field but Auth
// means its default; negative durations and rates are invalid.
type Config struct {
	// Auth claims access tokens during the handshake. Required.
	Auth Authenticator
	// States records connection-state changes (attach and detach, not
	// replacement). Nil: states are not recorded.
	States StateRecorder
	// Logger receives lifecycle logs (Info), client misbehaviour (Warn) and
	// server faults (Error). Nil: logs are discarded. Tokens are never
	// logged.
	Logger *slog.Logger

	// HandshakeTimeout bounds a handshake from the request to the 101
	// response (including Auth.Claim), and each StateRecorder call.
	// Default 10s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds each write to a peer. A peer that takes no data
	// for this long is dropped, which also unblocks the peer sending to
	// it. Default 30s.
	WriteTimeout time.Duration
	// IdleTimeout closes a peer that sent nothing at all, not even a ping,
	// for this long with 1001 "idle timeout" (D19). Default 30m.
	IdleTimeout time.Duration

	// AttemptRate is the number of upgrade attempts per second allowed per
	// access token (a token belongs to one tunnel and mode); more get 429
	// (D1, D14). Default 10.
	AttemptRate float64
	// AttemptBurst is the burst of AttemptRate. Default 10.
	AttemptBurst int
	// FailedAttemptRate is the number of failed upgrade attempts (bad,
	// used or mismatched tokens) per second allowed per remote IP address;
	// failures beyond it are answered 429 "Too many failed connection
	// attempts" instead of their reason until the budget refills. Tokens
	// are checked first and only failures count, so a valid token from a
	// throttled address still connects. Default 1.
	FailedAttemptRate float64
	// FailedAttemptBurst is the burst of FailedAttemptRate. Default 20.
	FailedAttemptBurst int

	// BandwidthLimit caps the bytes per second one tunnel reads from its
	// two peers together (WebSocket bytes, pings included). It is applied
	// as backpressure on reading: nothing is dropped or reordered. Default
	// 0: unlimited.
	BandwidthLimit int64
	// MaxRequestBytes caps the size of the upgrade request (request line
	// plus headers); bigger requests get 431. Default 4096. The
	// http.Server in front must allow at least this much
	// (http.Server.MaxHeaderBytes; its default is larger).
	MaxRequestBytes int

	// Cluster, when set, makes the relay one node of several sharing a
	// store: it routes each claimed peer to its tunnel's owner node.
	Cluster Cluster

	// OnEvent, when set, is told about every upgrade accepted or refused
	// and every attached peer that leaves (for the audit log). It is
	// called on the connection's goroutine and must not block.
	OnEvent func(Event)
	// Now returns the current time, for connection-state timestamps and
	// expiry. Default time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultHandshakeTimeout   = 10 * time.Second
	DefaultWriteTimeout       = 30 * time.Second
	DefaultIdleTimeout        = 30 * time.Minute
	DefaultAttemptRate        = 10
	DefaultAttemptBurst       = 10
	DefaultFailedAttemptRate  = 1
	DefaultFailedAttemptBurst = 20
	DefaultMaxRequestBytes    = 4096
)

// closeGrace is how long the relay waits for a client's Close reply, and
// for writing its own Close frame, before it closes TCP.
const closeGrace = 5 * time.Second

// keepAlive is the TCP keepalive idle time and probe interval (D19).
const keepAlive = 30 * time.Second

// limiterCap bounds each rate-limiter map.
const limiterCap = 1 << 16

// Server is the data-plane relay: an http.Handler for GET /tunnel that
// upgrades local proxies to WebSockets, pairs the source and destination
// of each tunnel and relays tunnel messages between them.
type Server struct {
	cfg        Config
	log        *slog.Logger
	hub        *hub
	met        metrics
	attempts   *limiterSet[tunnel.TokenHash]
	failures   *limiterSet[string]
	closeGrace time.Duration
	seed       maphash.Seed
	stripes    [64]sync.Mutex // serialize attach/detach + state recording per tunnel

	// wg counts ServeHTTP calls and peer goroutines.
	wg sync.WaitGroup
	// baseCtx ends when Shutdown starts; forwarded connections end with it.
	baseCtx  context.Context
	stopBase context.CancelFunc

	mu       sync.Mutex
	draining bool
	forced   bool
	live     map[*peer]struct{} // upgraded connections, for a forced shutdown
}

// New validates cfg, fills in defaults and returns a Server. It starts no
// goroutine.
func New(cfg Config) (*Server, error) {
	if cfg.Auth == nil {
		return nil, errors.New("relay: Config.Auth is required")
	}
	if cfg.HandshakeTimeout < 0 || cfg.WriteTimeout < 0 || cfg.IdleTimeout < 0 ||
		cfg.AttemptRate < 0 || cfg.AttemptBurst < 0 || cfg.FailedAttemptRate < 0 ||
		cfg.FailedAttemptBurst < 0 || cfg.BandwidthLimit < 0 || cfg.MaxRequestBytes < 0 {
		return nil, fmt.Errorf("relay: negative value in Config %+v", cfg)
	}
	setDefault(&cfg.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.AttemptRate, DefaultAttemptRate)
	setDefault(&cfg.AttemptBurst, DefaultAttemptBurst)
	setDefault(&cfg.FailedAttemptRate, DefaultFailedAttemptRate)
	setDefault(&cfg.FailedAttemptBurst, DefaultFailedAttemptBurst)
	setDefault(&cfg.MaxRequestBytes, DefaultMaxRequestBytes)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:        cfg,
		log:        log,
		attempts:   newLimiterSet[tunnel.TokenHash](cfg.AttemptRate, cfg.AttemptBurst, limiterCap),
		failures:   newLimiterSet[string](cfg.FailedAttemptRate, cfg.FailedAttemptBurst, limiterCap),
		closeGrace: closeGrace,
		seed:       maphash.MakeSeed(),
		live:       make(map[*peer]struct{}),
	}
	s.hub = newHub(s, 2*cfg.HandshakeTimeout+time.Minute)
	s.baseCtx, s.stopBase = context.WithCancel(context.Background())
	s.met.init()
	return s, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// ServeHTTP serves the data-plane endpoint: a WebSocket upgrade on
// GET /tunnel?local-proxy-mode=source|destination. Rejected upgrades get
// the responses of docs/PROTOCOL.md D1. After an upgrade the connection is
// served by goroutines the Server owns; ServeHTTP returns at once.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draining := s.draining
	if !draining {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if draining {
		s.reject(w, r, newChannelID(), rejUnavailable)
		return
	}
	defer s.wg.Done()
	s.serveUpgrade(w, r)
}

// CloseTunnel closes both peers of tunnel id with 1000 "tunnel closed",
// or "tunnel expired" when expired is set (D7). Handshakes of that tunnel
// in flight are refused.
func (s *Server) CloseTunnel(id string, expired bool) {
	r := reasonTunnelClosed
	if expired {
		r = reasonTunnelExpired
	}
	for _, p := range s.hub.closeTunnel(id) {
		p.closeWith(r)
	}
}

// Revoke closes the peer of mode m of tunnel id with 1008 "access token
// revoked" (D8). Handshakes of that tunnel and mode in flight are refused.
func (s *Server) Revoke(id string, m tunnel.Mode) {
	if p := s.hub.revoke(id, m); p != nil {
		p.closeWith(reasonRevoked)
	}
}

// Release closes both peers of tunnel id with 1001 "going away", as a
// shutdown does: another node relays the tunnel now, and the clients
// reconnect to it.
func (s *Server) Release(id string) {
	for _, p := range s.hub.closeTunnel(id) {
		p.closeWith(reasonShutdown)
	}
}

// Tunnels returns the ids of the tunnels that have a peer attached here.
func (s *Server) Tunnels() []string { return s.hub.ids() }

// Shutdown refuses new upgrades with 503, closes every peer with 1001
// "going away" and waits until all of the Server's goroutines have
// exited. If ctx ends first it closes the remaining connections at once,
// waits for the goroutines and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	s.stopBase()
	for _, p := range s.hub.shutdown() {
		p.closeWith(reasonShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.forced = true
	for p := range s.live {
		p.conn.Close()
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}

// track registers an upgraded connection for a forced shutdown.
func (s *Server) track(p *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[p] = struct{}{}
	if s.forced {
		p.conn.Close()
	}
}

func (s *Server) untrack(p *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, p)
}

// stripe returns the lock that serializes attach, detach and connection
// state recording of tunnel id, so the recorded states end in the right
// order.
func (s *Server) stripe(id string) *sync.Mutex {
	return &s.stripes[maphash.String(s.seed, id)%uint64(len(s.stripes))]
}

// recordState reports p's mode as connected or not. Failures are logged:
// the relay keeps working without the store.
func (s *Server) recordState(p *peer, connected bool) {
	if s.cfg.States == nil {
		return
	}
	ctx, cancel := context.WithTimeout(p.bgCtx, s.cfg.HandshakeTimeout)
	defer cancel()
	if err := s.cfg.States.SetConnState(ctx, p.t.id, p.mode, connected, s.cfg.Now()); err != nil {
		p.log.Error("record connection state", "tunnel_id", p.t.id, "connected", connected, "err", err)
	}
}

// remoteIP returns the host part of r.RemoteAddr.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
