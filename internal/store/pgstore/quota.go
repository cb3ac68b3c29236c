package pgstore

import (
	"context"
	"fmt"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Lock modes of adit_open_count (migrations/0001_init.sql), which takes
// the transaction advisory lock of the open-tunnel quota, key
// 0x61646974_00000002 ("adit" in ASCII, then 2).
const (
	quotaNoLock    = 0
	quotaShared    = 1
	quotaExclusive = 2
)

// createTunnel inserts a tunnel and its tokens in one statement (one round
// trip, its own transaction): adit_open_count takes the quota lock in mode
// $15 and counts the open tunnels; the tunnel is inserted only when
// $16 <= 0 or count + $17 < $16, and the tokens only with it. It returns
// the count and whether the tunnel was inserted.
const createTunnel = `WITH q AS (SELECT adit_open_count($15) AS n),
	t AS (
		INSERT INTO tunnels (id, arn, description, thing_name, services,
			lifetime_minutes, created_at, last_updated_at, expires_at, closed_at,
			src_connected, src_updated_at, dst_connected, dst_updated_at, tags)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12, $13, $14 FROM q
		WHERE $16 <= 0 OR q.n + $17 < $16
		ON CONFLICT (id) DO NOTHING
		RETURNING id),
	k AS (
		INSERT INTO tokens (hash, tunnel_id, mode)
		SELECT x.h, t.id, x.m FROM t, unnest($18::bytea[], $19::text[]) AS x (h, m))
	SELECT q.n, EXISTS (SELECT 1 FROM t) FROM q`

// CreateTunnel stores a new open tunnel with its tokens and tags after the
// quota check, atomically with respect to every other create.
//
// The first attempt takes the quota lock shared, so creates run in
// parallel, and inserts only when the count is more than s.margin below
// maxOpen: since at most s.margin transactions can be in flight at once,
// the creates that passed this check cannot together overshoot. Near the
// quota it tries again with the lock exclusive, which waits for the
// creates in flight, and checks the exact count.
func (s *Store) CreateTunnel(ctx context.Context, t tunnel.Tunnel, tokens []store.Token, maxOpen int) error {
	if t.ID == "" || t.Status != tunnel.StatusOpen || !t.ClosedAt.IsZero() {
		return fmt.Errorf("create tunnel %q: want a non-empty id, status OPEN and no ClosedAt", t.ID)
	}
	hashes, modes, err := tokenArrays(tokens)
	if err != nil {
		return fmt.Errorf("create tunnel %s: %w", t.ID, err)
	}
	args := []any{t.ID, t.ARN, t.Description, nullString(t.ThingName),
		nullServices(t.Services), t.LifetimeMinutes, ms(t.CreatedAt), ms(t.LastUpdatedAt), ms(t.ExpiresAt),
		t.Source.Connected, ms(t.Source.LastUpdatedAt), t.Destination.Connected,
		ms(t.Destination.LastUpdatedAt), tagMap(t.Tags),
		quotaNoLock, maxOpen, s.margin, hashes, modes}
	if maxOpen > 0 {
		args[14] = quotaShared
	}
	n, inserted, err := s.create(ctx, args)
	if err == nil && !inserted && maxOpen > 0 && n+int64(s.margin) >= int64(maxOpen) {
		args[14], args[16] = quotaExclusive, 0
		n, inserted, err = s.create(ctx, args)
		if err == nil && !inserted && n >= int64(maxOpen) {
			return fmt.Errorf("create tunnel %s: %w", t.ID, store.ErrLimitExceeded)
		}
	}
	if err == nil && !inserted {
		err = store.ErrExists
	}
	return wrap("create tunnel "+t.ID, err)
}

// create runs createTunnel.
func (s *Store) create(ctx context.Context, args []any) (n int64, inserted bool, err error) {
	err = s.queryRow(ctx, createTunnel, args...).Scan(&n, &inserted)
	return n, inserted, err
}
