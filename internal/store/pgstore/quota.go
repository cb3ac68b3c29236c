package pgstore

import (
	"context"
	"fmt"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Lock modes of adit_quota (migrations/0002_quota_bound.sql), which takes
// the transaction advisory lock of the open-tunnel quota, key
// 0x61646974_00000002 ("adit" in ASCII, then 2).
const (
	quotaNoLock    = 0 // no quota
	quotaShared    = 1 // parallel: the stripe bound, or the count and the margin
	quotaExclusive = 2 // one at a time: the exact count
)

// What adit_quota answers in shared mode instead of a count.
const (
	quotaBoundVouches = -1 // the stripe bound vouches for the create
	quotaResetBound   = -2 // take the exclusive path, which resets the bound
)

// sqlStateAboveBound is what the insert trigger raises when a create on
// the bound path would take its stripe of open_counts above the bound.
const sqlStateAboveBound = "AD001"

// createTunnel inserts a tunnel and its tokens in one statement (one round
// trip, its own transaction). adit_quota($15 = lock mode, $16 = quota)
// takes the quota lock and answers n; the tunnel is inserted when there is
// no quota ($15 = 0); in shared mode ($15 = 1) when the bound vouches
// (n = -1) or the count n is more than the margin $17 below the quota; in
// exclusive mode ($15 = 2) when the count n is below the quota; the tokens
// only with the tunnel (the two arrays unnested side by side in the select
// list: no join to plan and start, 1% of the statement's CPU). An id that
// exists fails the statement with a unique violation (wrap: ErrExists),
// which rolls back everything it did; ON CONFLICT DO NOTHING cost another
// 2% for a case that random ids make rare. It returns n and whether the
// tunnel was inserted.
const createTunnel = `WITH q AS (SELECT adit_quota($15, $16) AS n),
	t AS (
		INSERT INTO tunnels (id, arn, description, thing_name, services,
			lifetime_minutes, created_at, last_updated_at, expires_at, closed_at,
			src_connected, src_updated_at, dst_connected, dst_updated_at, tags)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12, $13, $14::jsonb FROM q
		WHERE $15 = 0 OR ($15 = 2 AND q.n < $16)
			OR ($15 = 1 AND (q.n = -1 OR (q.n >= 0 AND q.n + $17 < $16)))
		RETURNING id),
	k AS (
		INSERT INTO tokens (hash, tunnel_id, mode)
		SELECT unnest($18::bytea[]), t.id, unnest($19::text[]) FROM t)
	SELECT q.n, EXISTS (SELECT 1 FROM t) FROM q`

// CreateTunnel stores a new open tunnel with its tokens and tags after the
// quota check, atomically with respect to every other create.
//
// The first attempt takes the quota lock shared, so creates run in
// parallel. Far from the quota it counts nothing: the database keeps a
// bound b on each of the 64 stripes of the open count, and while 64 * b is
// within maxOpen a create that keeps its own stripe within b keeps the
// total within maxOpen. Nearer the quota (once a stripe has filled up) it
// counts, and inserts while the count is more than s.margin below maxOpen:
// no more transactions than that can be in flight, so none can overshoot.
// Otherwise (a full stripe, the margin reached, or stripes low enough for
// the bound to be reset) it tries again with the lock exclusive, which
// waits for the creates in flight, checks the exact count and sets the
// bound anew.
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
	if maxOpen > 0 && s.needExclusive(n, inserted, err, maxOpen) {
		args[14] = quotaExclusive
		n, inserted, err = s.create(ctx, args)
		if err == nil && !inserted && n >= int64(maxOpen) {
			return fmt.Errorf("create tunnel %s: %w", t.ID, store.ErrLimitExceeded)
		}
	}
	if err == nil && !inserted { // not expected: an existing id fails the statement
		return fmt.Errorf("create tunnel %s: nothing inserted (quota answer %d)", t.ID, n)
	}
	return wrap("create tunnel "+t.ID, err)
}

// needExclusive reports whether a shared-mode attempt that answered n,
// inserted, err left the create to the exclusive path.
func (s *Store) needExclusive(n int64, inserted bool, err error, maxOpen int) bool {
	if err != nil {
		return sqlState(err) == sqlStateAboveBound
	}
	return !inserted && (n == quotaResetBound || n >= 0 && n+int64(s.margin) >= int64(maxOpen))
}

// create runs createTunnel.
func (s *Store) create(ctx context.Context, args []any) (n int64, inserted bool, err error) {
	err = s.queryRow(ctx, createTunnel, args...).Scan(&n, &inserted)
	return n, inserted, err
}
