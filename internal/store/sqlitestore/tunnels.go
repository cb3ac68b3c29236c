package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	selectOpenCount = `SELECT n FROM open_tunnels`
	insertTunnel    = `INSERT INTO tunnels (id, arn, description, thing_name, services,
		lifetime_minutes, created_at, last_updated_at, expires_at, closed_at,
		src_connected, src_updated_at, dst_connected, dst_updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	insertToken = `INSERT INTO tokens (hash, tunnel_id, mode, used, client_token_hash)
		VALUES (?, ?, ?, 0, NULL)`
	upsertTag = `INSERT INTO tags (tunnel_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (tunnel_id, key) DO UPDATE SET value = excluded.value`
	deleteTunnel = `DELETE FROM tunnels WHERE id = ?`
)

// CreateTunnel stores a new open tunnel with its tokens and tags. The quota
// check and the inserts form one transaction, so concurrent calls never
// exceed maxOpen.
func (s *Store) CreateTunnel(ctx context.Context, t tunnel.Tunnel, tokens []store.Token, maxOpen int) error {
	if t.ID == "" || t.Status != tunnel.StatusOpen || !t.ClosedAt.IsZero() {
		return fmt.Errorf("create tunnel %q: want a non-empty id, status OPEN and no ClosedAt", t.ID)
	}
	if err := checkTokens(tokens); err != nil {
		return fmt.Errorf("create tunnel %s: %w", t.ID, err)
	}
	services, err := encodeServices(t.Services)
	if err != nil {
		return fmt.Errorf("create tunnel %s: %w", t.ID, err)
	}
	err = s.write(ctx, func(tx *wtx) error {
		if maxOpen > 0 {
			var n int
			if err := tx.queryRow(s.ws.openCount).Scan(&n); err != nil {
				return fmt.Errorf("count open: %w", err)
			}
			if n >= maxOpen {
				return store.ErrLimitExceeded
			}
		}
		n, err := tx.execN(s.ws.insertTunnel, t.ID, t.ARN, t.Description, nullString(t.ThingName),
			services, t.LifetimeMinutes, millis(t.CreatedAt), millis(t.LastUpdatedAt), millis(t.ExpiresAt),
			t.Source.Connected, millis(t.Source.LastUpdatedAt),
			t.Destination.Connected, millis(t.Destination.LastUpdatedAt))
		if err != nil {
			return fmt.Errorf("insert tunnel: %w", err)
		}
		if n == 0 {
			return store.ErrExists
		}
		if err := s.insertTokens(tx, t.ID, tokens); err != nil {
			return err
		}
		return s.upsertTags(tx, t.ID, t.Tags)
	})
	if err != nil {
		return fmt.Errorf("create tunnel %s: %w", t.ID, err)
	}
	return nil
}

// checkTokens rejects invalid modes and two tokens for one mode.
func checkTokens(tokens []store.Token) error {
	var seen [3]bool
	for _, k := range tokens {
		if _, err := modeName(k.Mode); err != nil {
			return err
		}
		if seen[k.Mode] {
			return fmt.Errorf("two tokens for mode %v", k.Mode)
		}
		seen[k.Mode] = true
	}
	return nil
}

func (s *Store) insertTokens(tx *wtx, id string, tokens []store.Token) error {
	for _, k := range tokens {
		if _, err := tx.exec(s.ws.insertToken, k.Hash[:], id, k.Mode.String()); err != nil {
			return fmt.Errorf("insert %v token: %w", k.Mode, err)
		}
	}
	return nil
}

func (s *Store) upsertTags(tx *wtx, id string, tags []tunnel.Tag) error {
	for _, g := range tags {
		if _, err := tx.exec(s.ws.upsertTag, id, g.Key, g.Value); err != nil {
			return fmt.Errorf("upsert tag: %w", err)
		}
	}
	return nil
}

// Tunnel returns the tunnel with that id, tags included, in one query.
func (s *Store) Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error) {
	t, err := scanTunnel(s.rs.tunnel.QueryRowContext(ctx, id), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return tunnel.Tunnel{}, fmt.Errorf("get tunnel %s: %w", id, err)
	}
	return t, err
}

// loadTunnel reads a tunnel inside a write transaction.
func (s *Store) loadTunnel(tx *wtx, id string) (tunnel.Tunnel, error) {
	t, err := scanTunnel(tx.queryRow(s.ws.tunnel, id), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return tunnel.Tunnel{}, fmt.Errorf("read tunnel: %w", err)
	}
	return t, err
}

// listQuery returns the ListTunnels statement for variant v: bit 0 filters
// by thing name, bit 1 starts after a cursor. Arguments: thing name (bit 0),
// cursor created_at and id (bit 1), limit.
func listQuery(v int) string {
	var conds []string
	if v&1 != 0 {
		conds = append(conds, "t.thing_name = ?")
	}
	if v&2 != 0 {
		conds = append(conds, "(t.created_at, t.id) < (?, ?)")
	}
	q := `SELECT ` + tunnelColumns + ` FROM tunnels t`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	return q + ` ORDER BY t.created_at DESC, t.id DESC LIMIT ?`
}

// ListTunnels returns one page of tunnels, newest first, without tags.
func (s *Store) ListTunnels(ctx context.Context, q store.ListQuery) ([]tunnel.Tunnel, error) {
	if q.Limit < 1 {
		return nil, fmt.Errorf("list tunnels: limit %d, want at least 1", q.Limit)
	}
	var (
		v    int
		args []any
	)
	if q.ThingName != "" {
		v |= 1
		args = append(args, q.ThingName)
	}
	if q.After != nil {
		v |= 2
		args = append(args, millis(q.After.CreatedAt), q.After.ID)
	}
	rows, err := s.rs.list[v].QueryContext(ctx, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list tunnels: %w", err)
	}
	defer rows.Close()
	out := make([]tunnel.Tunnel, 0, min(q.Limit, 100))
	for rows.Next() {
		var r tunnelRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("list tunnels: %w", err)
		}
		t, err := r.tunnel()
		if err != nil {
			return nil, fmt.Errorf("list tunnels: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tunnels: %w", err)
	}
	return out, nil
}

// DeleteTunnel removes a tunnel; its tokens and tags go with it (ON DELETE
// CASCADE).
func (s *Store) DeleteTunnel(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *wtx) error {
		n, err := tx.execN(s.ws.deleteTunnel, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete tunnel %s: %w", id, err)
	}
	return nil
}
