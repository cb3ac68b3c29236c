package server

import (
	"context"
	"net/http"
	"time"

	"github.com/adit-project/adit/internal/cluster"
)

// mux routes the main listener: the data plane at /tunnel (when withData),
// health, readiness and metrics, and the control-plane API everywhere else.
func (s *Server) mux(withData bool) http.Handler {
	m := http.NewServeMux()
	if withData {
		m.Handle("/tunnel", s.relay)
		s.routeLinks(m)
	}
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.prom.handler)
	m.Handle("/console/", s.console)
	m.Handle("/", s.prom.api.Wrap(s.api))
	return m
}

// dataMux routes a separate data-plane listener: health, and every other
// path to the relay, which answers anything but /tunnel with the 400 of a
// bad upgrade (docs/PROTOCOL.md D1) rather than a 404.
func (s *Server) dataMux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("/", s.relay)
	s.routeLinks(m)
	return m
}

// routeLinks sends links from other nodes of a cluster to the node: they
// arrive on the listener the node advertises, which serves the data plane.
func (s *Server) routeLinks(m *http.ServeMux) {
	if s.node != nil {
		m.Handle(cluster.LinkPath, s.node)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 while the server accepts work and its store answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.ready.Load() {
		http.Error(w, "not ready: starting or draining", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, _, err := s.store.NextExpiry(ctx); err != nil {
		http.Error(w, "not ready: store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
