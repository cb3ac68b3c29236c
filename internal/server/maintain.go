package server

import (
	"context"
	"time"
)

// maintain runs the lifetime sweep every second (tunnels expire to the
// second, also across restarts, because expiry times are stored) and the
// retention purge every minute, until ctx ends.
func (s *Server) maintain(ctx context.Context) {
	expire := time.NewTicker(time.Second)
	defer expire.Stop()
	purge := time.NewTicker(time.Minute)
	defer purge.Stop()
	s.expireDue(ctx)
	s.purgeClosed(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			s.expireDue(ctx)
		case <-purge.C:
			s.purgeClosed(ctx)
		}
	}
}

func (s *Server) expireDue(ctx context.Context) {
	ids, err := s.store.ExpireTunnels(ctx, time.Now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("expire tunnels", "err", err)
		}
		return
	}
	for _, id := range ids {
		s.log.Info("tunnel expired", "tunnel_id", id)
		s.relay.CloseTunnel(id, true)
	}
}

func (s *Server) purgeClosed(ctx context.Context) {
	n, err := s.store.PurgeClosed(ctx, time.Now().Add(-s.cfg.ClosedRetention))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("purge closed tunnels", "err", err)
		}
		return
	}
	if n > 0 {
		s.log.Info("purged closed tunnels", "count", n)
	}
}
