package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// channel is the LISTEN/NOTIFY channel of tunnel changes.
const channel = "adit_tunnels"

// Kinds of changeMessage.
const (
	kindClosed  = "closed"
	kindRotated = "rotated"
)

// changeMessage is the JSON payload of a notification on channel. The
// trigger on tunnels builds the closed ones in SQL with the same fields.
type changeMessage struct {
	Kind     string   `json:"kind"`
	TunnelID string   `json:"tunnel_id"`
	Modes    []string `json:"modes,omitempty"`
}

// Watch timing.
const (
	// watchIdle is how long Watch waits for a notification before it
	// pings the connection to find out whether it is still alive.
	watchIdle = 30 * time.Second
	// watchBackoffMin and watchBackoffMax bound the wait before a
	// reconnect; it doubles after each failed attempt.
	watchBackoffMin = 100 * time.Millisecond
	watchBackoffMax = 5 * time.Second
)

// Watch calls fn for every change committed on channel adit_tunnels, on a
// connection of its own (not from the pool), until ctx ends; then it
// returns nil. Each time it starts listening, at first and after
// reconnecting, it calls fn(ChangeResync) once LISTEN is in effect: the
// receiver reconciles with the store, and knows from then on it gets
// every change. A payload it cannot parse is reported as a ChangeResync
// too. After a connection error it waits watchBackoffMin, doubling up to
// watchBackoffMax while reconnecting fails.
func (s *Store) Watch(ctx context.Context, fn func(store.Change)) error {
	backoff := watchBackoffMin
	for {
		listened, err := s.listen(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			backoff = watchBackoffMin
		}
		s.log.Warn("watching tunnel changes: connection failed; reconnecting", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, watchBackoffMax)
	}
}

// listen connects, LISTENs and delivers notifications until the
// connection fails or ctx ends. listened reports whether LISTEN took
// effect.
func (s *Store) listen(ctx context.Context, fn func(store.Change)) (listened bool, err error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "tunneld-watch"
	// Its idle waits time out on purpose: no cancel request for those.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	cctx, cancel := s.deadline(ctx)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(cctx, "LISTEN "+channel); err != nil {
		return false, err
	}
	fn(store.Change{Kind: store.ChangeResync})
	for {
		if err := s.wait(ctx, conn, fn); err != nil {
			return true, err
		}
	}
}

// wait waits up to watchIdle for one notification and delivers it; when
// none came it pings the connection.
func (s *Store) wait(ctx context.Context, conn *pgx.Conn, fn func(store.Change)) error {
	wctx, cancel := context.WithTimeout(ctx, watchIdle)
	defer cancel()
	n, err := conn.WaitForNotification(wctx)
	if err == nil {
		fn(parseChange(n.Payload))
		return nil
	}
	if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	pctx, cancel := s.deadline(ctx)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// parseChange decodes a notification payload; one it cannot decode
// becomes a ChangeResync.
func parseChange(payload string) store.Change {
	var m changeMessage
	if err := json.Unmarshal([]byte(payload), &m); err != nil || m.TunnelID == "" {
		return store.Change{Kind: store.ChangeResync}
	}
	switch m.Kind {
	case kindClosed:
		return store.Change{Kind: store.ChangeClosed, TunnelID: m.TunnelID}
	case kindRotated:
		c := store.Change{Kind: store.ChangeRotated, TunnelID: m.TunnelID}
		for _, name := range m.Modes {
			mode, ok := tunnel.ParseMode(name)
			if !ok {
				return store.Change{Kind: store.ChangeResync}
			}
			c.Modes = append(c.Modes, mode)
		}
		return c
	}
	return store.Change{Kind: store.ChangeResync}
}
