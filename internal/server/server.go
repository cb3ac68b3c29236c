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
	"github.com/adit-project/adit/internal/cork"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/api"
	"github.com/adit-project/adit/internal/console"
	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/sqlitestore"
)

// Server is a running tunneld.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   store.Store
	api     *api.Handler
	relay   *relay.Server
	console *console.Console
	tls     *tls.Config
	keys    Credentials
	ready   atomic.Bool
	closing atomic.Bool
	mu      sync.Mutex
	servers []*http.Server
	mq      mqttState
}

// New validates cfg, opens the store in the data directory, loads or
// creates credentials and TLS material, and builds the API and relay. It
// starts no goroutines and opens no listeners.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	keys, err := loadCredentials(&cfg, s.log)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	if s.tls, err = tlsConfig(&cfg); err != nil {
		return nil, err
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(cfg.DataDir, "tunneld.db"))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.store = st
	if err := s.build(); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Credentials returns the access keys the server accepts, and where they
// came from.
func (s *Server) Credentials() Credentials { return s.keys }

// TLS reports whether the server's listeners speak TLS.
func (s *Server) TLS() bool { return s.tls != nil }

// Handler returns the HTTP handler of the main listener.
func (s *Server) Handler() http.Handler { return s.mux(s.cfg.DataListen == "") }

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
	errc := make(chan error, 2)
	serve := func(l net.Listener, h http.Handler) {
		hs := s.httpServer(h)
		s.mu.Lock()
		s.servers = append(s.servers, hs)
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.tls != nil {
				l = tls.NewListener(cork.Listener{Listener: l}, s.tls)
			}
			if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
				cancel()
			}
		}()
	}
	serve(ln, s.mux(dataLn == nil))
	if dataLn != nil {
		serve(dataLn, s.dataMux())
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.maintain(ctx) }()
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

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

func (s *Server) shutdown() error {
	s.ready.Store(false)
	s.closing.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	s.console.Close() // ends browser terminals; their sources are relay peers
	if err := s.relay.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shut down relay: %w", err))
	}
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
	s.log.Info("tunneld stopped")
	return errors.Join(errs...)
}

// Close releases the store of a server that was built but never served.
func (s *Server) Close() error {
	if s.closing.Swap(true) {
		return nil
	}
	return s.store.Close()
}
