package agent

import (
	"context"
	"fmt"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// session is one running destination proxy.
type session struct {
	services []string
	cancel   context.CancelFunc
	done     chan struct{}
}

// start runs a destination proxy for req, replacing the session of the
// same key if there is one.
func (a *Agent) start(ctx context.Context, req request) error {
	a.mu.Lock()
	old := a.sessions[req.key]
	if old == nil && len(a.sessions) >= a.cfg.MaxTunnels {
		a.mu.Unlock()
		return fmt.Errorf("%w: %d tunnels already served (max-tunnels)", errTooMany, a.cfg.MaxTunnels)
	}
	a.mu.Unlock()
	if old != nil {
		a.log.Info("new token for a served tunnel; replacing its session", "services", req.key)
		a.emit(Event{Kind: EventReplaced, Services: req.services})
		old.cancel()
		<-old.done
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &session{services: req.services, cancel: cancel, done: make(chan struct{})}
	a.mu.Lock()
	a.sessions[req.key] = s
	a.mu.Unlock()
	cfg := a.proxyConfig(req)
	a.sessWG.Go(func() { a.runSession(sctx, req.key, s, cfg) })
	return nil
}

func (a *Agent) proxyConfig(req request) localproxy.Config {
	cfg := a.cfg.Proxy
	cfg.Mode = tunnel.ModeDestination
	cfg.Endpoint = a.cfg.Endpoint
	cfg.AccessToken = req.token
	cfg.ClientToken = ""
	cfg.Services = req.mapping
	cfg.FallbackServices = nil
	cfg.TLS = a.cfg.TLS
	cfg.Logger = a.log.With("services", req.key)
	cfg.OnConnected = func([]string) {
		a.emit(Event{Kind: EventConnected, Services: req.services})
	}
	return cfg
}

func (a *Agent) runSession(ctx context.Context, key string, s *session, cfg localproxy.Config) {
	defer close(s.done)
	defer s.cancel()
	a.log.Info("destination session started", "services", key)
	a.emit(Event{Kind: EventStarted, Services: s.services})
	err := localproxy.Run(ctx, cfg)
	a.mu.Lock()
	if a.sessions[key] == s {
		delete(a.sessions, key)
	}
	a.mu.Unlock()
	switch {
	case err == nil:
		a.log.Info("destination session ended: tunnel closed", "services", key)
	case ctx.Err() != nil:
		a.log.Info("destination session stopped", "services", key)
		err = ctx.Err()
	default:
		a.log.Warn("destination session failed", "services", key, "err", err)
	}
	a.emit(Event{Kind: EventEnded, Services: s.services, Err: err})
}

// Sessions returns the service sets of the running sessions.
func (a *Agent) Sessions() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([][]string, 0, len(a.sessions))
	for _, s := range a.sessions {
		out = append(out, s.services)
	}
	return out
}

// stopAll cancels every session and waits for them.
func (a *Agent) stopAll() {
	a.mu.Lock()
	for _, s := range a.sessions {
		s.cancel()
	}
	a.mu.Unlock()
	a.sessWG.Wait()
}
