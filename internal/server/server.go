// Package server is the composition root of tunneld: it turns a Config into
// a store, the control-plane API, the data-plane relay and their listeners,
// runs the background expiry and purge loops, and shuts everything down in
// order.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/api"
	"github.com/adit-project/adit/internal/cluster"
	"github.com/adit-project/adit/internal/console"
	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tlsbatch"
)

// Server is a running tunneld.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   store.Store
	api     *api.Handler
	relay   *relay.Server
	node    *cluster.Node // nil unless the store is shared
	console *console.Console
	tls     *tls.Config
	keys    Credentials
	ready   atomic.Bool
	closing atomic.Bool
	mu      sync.Mutex
	servers []*http.Server
	gates   []*connGate
	mq      mqttState
	prom    promState
	trust
}

// New validates cfg, opens the store in the data directory, loads or
// creates credentials and TLS material, and builds the API and relay. It
// starts no goroutines and opens no listeners.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := prepareDataDir(cfg.DataDir, cfg.Logger); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	keys, err := loadCredentials(&cfg, s.log)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	if err := s.openTrust(&cfg); err != nil {
		return nil, err
	}
	if s.tls, err = tlsConfig(&cfg); err != nil {
		s.audit.Close()
		return nil, err
	}
	st, err := openStore(ctx, &cfg)
	if err != nil {
		s.audit.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.store = st
	if err := s.build(); err != nil {
		st.Close()
		s.audit.Close()
		return nil, err
	}
	return s, nil
}

// Credentials returns the access keys the server accepts, and where they
// came from.
func (s *Server) Credentials() Credentials { return s.keys }

// TLS reports whether the server's listeners speak TLS.
func (s *Server) TLS() bool { return s.tls != nil }

// Run listens on the configured addresses and serves until ctx ends, then
// shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var dataLn net.Listener
	if s.cfg.DataListen != "" {
		if dataLn, err = net.Listen("tcp", s.cfg.DataListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen data plane: %w", err)
		}
	}
	return s.Serve(ctx, ln, dataLn)
}

// Serve serves the API (and the data plane unless dataLn is non-nil) on ln
// until ctx ends, then shuts down: new data-plane upgrades are refused,
// every peer gets Close 1001, in-flight API requests finish, and the store
// closes. It returns the first fatal error.
func (s *Server) Serve(ctx context.Context, ln, dataLn net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if err := s.startMQTT(ctx, &wg); err != nil {
		ln.Close()
		if dataLn != nil {
			dataLn.Close()
		}
		return fmt.Errorf("mqtt: %w", err)
	}
	dataAddr := ln.Addr()
	if dataLn != nil {
		dataAddr = dataLn.Addr()
	}
	if err := s.startCluster(ctx, dataAddr); err != nil {
		ln.Close()
		if dataLn != nil {
			dataLn.Close()
		}
		cancel()
		wg.Wait()
		return err
	}
	errc := make(chan error, 2)
	unauthCap := s.unauthCap()
	serve := func(l net.Listener, h http.Handler, name string) {
		hs := s.httpServer(h)
		gate := newConnGate(name, unauthCap, s.log)
		gate.hook(hs)
		s.mu.Lock()
		s.servers = append(s.servers, hs)
		s.gates = append(s.gates, gate)
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.tls != nil {
				l = tls.NewListener(tlsbatch.Listener{Listener: l}, s.tls)
			}
			if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
				cancel()
			}
		}()
	}
	serve(ln, s.mux(dataLn == nil), "main")
	if dataLn != nil {
		serve(dataLn, s.dataMux(), "data")
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.maintain(ctx) }()
	wg.Go(func() { s.policies.watch(ctx, time.Second) })
	s.ready.Store(true)
	s.log.Info("tunneld listening", "addr", ln.Addr().String(), "tls", s.tls != nil)
	<-ctx.Done()
	err := s.shutdown()
	wg.Wait()
	select {
	case e := <-errc:
		return e
	default:
	}
	return err
}

// httpServer returns the http.Server of one listener. ReadTimeout bounds
// headers and body of each request together (a withheld or trickled body
// ends there) and WriteTimeout the handling and the response; net/http
// clears both deadlines when the relay hijacks a connection for a
// WebSocket, which then lives by the relay's own deadlines.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.BodyTimeout),
		ReadTimeout:       s.cfg.BodyTimeout,
		WriteTimeout:      2 * s.cfg.BodyTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// unauthCap resolves Config.MaxUnauthConns and logs the cap in force.
func (s *Server) unauthCap() int {
	switch n := s.cfg.MaxUnauthConns; {
	case n < 0:
		s.log.Warn("no cap on unauthenticated connections (max-unauthenticated-conns -1)")
		return 0
	case n > 0:
		s.log.Info("capping unauthenticated connections per listener", "cap", n)
		return n
	}
	n, nofile := defaultUnauthCap()
	s.log.Info("capping unauthenticated connections per listener", "cap", n, "rlimit_nofile", nofile)
	return n
}

func (s *Server) shutdown() error {
	s.ready.Store(false)
	s.closing.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	s.console.Close()                          // ends browser terminals; their sources are relay peers
	if err := s.stopCluster(ctx); err != nil { // release owned tunnels first
		errs = append(errs, err)
	}
	if err := s.relay.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shut down relay: %w", err))
	}
	s.closeLinks() // after the relay: peers forwarded here got their 1001
	s.mu.Lock()
	servers := s.servers
	s.mu.Unlock()
	for _, hs := range servers {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
	}
	if err := s.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	if err := s.audit.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close audit log: %w", err))
	}
	s.log.Info("tunneld stopped")
	return errors.Join(errs...)
}

// Close releases the store of a server that was built but never served.
func (s *Server) Close() error {
	if s.closing.Swap(true) {
		return nil
	}
	s.audit.Close()
	return s.store.Close()
}
