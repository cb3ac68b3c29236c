package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
)

// quotaLock is the transaction advisory lock key of the open-tunnel quota
// ("adit" in ASCII, then 2).
const quotaLock int64 = 0x61646974_00000002

const (
	lockQuotaShared    = `SELECT pg_advisory_xact_lock_shared($1)`
	lockQuotaExclusive = `SELECT pg_advisory_xact_lock($1)`
	selectOpenCount    = `SELECT coalesce(sum(n), 0) FROM open_counts`
)

// errNearQuota sends a create from the shared to the exclusive path.
var errNearQuota = errors.New("open tunnels near the quota")

// createWithQuota runs insert after checking that fewer than maxOpen
// tunnels are open, atomically with respect to every other create.
//
// It first takes the quota lock shared, so creates run in parallel, and
// proceeds only when the count is more than s.margin below maxOpen: since
// at most s.margin transactions can be in flight at once, the creates that
// passed this check cannot together overshoot. Otherwise it starts over
// with the lock exclusive, which waits for the creates in flight, and
// checks the exact count.
func (s *Store) createWithQuota(ctx context.Context, maxOpen int, insert func(context.Context, pgx.Tx) error) error {
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		n, err := lockAndCount(ctx, tx, lockQuotaShared)
		if err != nil {
			return err
		}
		if n+int64(s.margin) >= int64(maxOpen) {
			return errNearQuota
		}
		return insert(ctx, tx)
	})
	if !errors.Is(err, errNearQuota) {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		n, err := lockAndCount(ctx, tx, lockQuotaExclusive)
		if err != nil {
			return err
		}
		if n >= int64(maxOpen) {
			return store.ErrLimitExceeded
		}
		return insert(ctx, tx)
	})
}

// lockAndCount takes the quota lock with statement lock, then counts the
// open tunnels in a statement of its own, whose snapshot is taken after
// the lock was granted.
func lockAndCount(ctx context.Context, tx pgx.Tx, lock string) (int64, error) {
	if _, err := tx.Exec(ctx, lock, quotaLock); err != nil {
		return 0, fmt.Errorf("lock quota: %w", err)
	}
	var n int64
	if err := tx.QueryRow(ctx, selectOpenCount).Scan(&n); err != nil {
		return 0, fmt.Errorf("count open tunnels: %w", err)
	}
	return n, nil
}
