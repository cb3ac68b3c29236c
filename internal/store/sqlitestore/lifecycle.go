package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// closeTunnel closes an open tunnel at ?1. A tunnel whose lifetime ran
	// out before ?1 closed at its expiry, as the sweep would have recorded.
	// Connection stamps move only for modes that were connected.
	closeTunnel = `UPDATE tunnels SET
		closed_at = min(?1, expires_at),
		last_updated_at = ?1,
		src_updated_at = IIF(src_connected, ?1, src_updated_at), src_connected = 0,
		dst_updated_at = IIF(dst_connected, ?1, dst_updated_at), dst_connected = 0
		WHERE id = ?2 AND closed_at IS NULL`
	// expireTunnels closes the open tunnels due at ?1, at their expiry.
	expireTunnels = `UPDATE tunnels SET
		closed_at = expires_at,
		last_updated_at = max(last_updated_at, expires_at),
		src_updated_at = IIF(src_connected, max(src_updated_at, expires_at), src_updated_at),
		src_connected = 0,
		dst_updated_at = IIF(dst_connected, max(dst_updated_at, expires_at), dst_updated_at),
		dst_connected = 0
		WHERE closed_at IS NULL AND expires_at <= ?1
		RETURNING id`
	selectNextExpiry = `SELECT min(expires_at) FROM tunnels WHERE closed_at IS NULL`
	// purgeClosed deletes up to ?2 tunnels closed before ?1.
	purgeClosed = `DELETE FROM tunnels WHERE id IN
		(SELECT id FROM tunnels WHERE closed_at < ?1 LIMIT ?2)`
)

// purgeChunk bounds how many tunnels one PurgeClosed transaction deletes,
// so a large purge does not hold the write lock for long.
const purgeChunk = 500

// CloseTunnel closes an open tunnel at time at (or at its expiry, if that
// came first) and reports whether this call closed it.
func (s *Store) CloseTunnel(ctx context.Context, id string, at time.Time) (tunnel.Tunnel, bool, error) {
	var (
		t       tunnel.Tunnel
		changed bool
	)
	err := s.write(ctx, func(tx *wtx) error {
		n, err := tx.execN(s.ws.closeTunnel, millis(at), id)
		if err != nil {
			return err
		}
		changed = n > 0
		t, err = s.loadTunnel(tx, id)
		return err
	})
	if err != nil {
		return tunnel.Tunnel{}, false, fmt.Errorf("close tunnel %s: %w", id, err)
	}
	return t, changed, nil
}

// ExpireTunnels closes every open tunnel whose ExpiresAt is not after now,
// with ClosedAt = ExpiresAt, and returns their ids.
func (s *Store) ExpireTunnels(ctx context.Context, now time.Time) ([]string, error) {
	var ids []string
	err := s.write(ctx, func(tx *wtx) error {
		ids = ids[:0]
		rows, err := tx.query(s.ws.expireTunnels, millis(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("expire tunnels: %w", err)
	}
	return ids, nil
}

// NextExpiry returns the earliest ExpiresAt among open tunnels.
func (s *Store) NextExpiry(ctx context.Context) (time.Time, bool, error) {
	var ms sql.NullInt64
	if err := s.rs.nextExpiry.QueryRowContext(ctx).Scan(&ms); err != nil {
		return time.Time{}, false, fmt.Errorf("next expiry: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(ms.Int64), true, nil
}

// PurgeClosed deletes the tunnels closed before the given time, with their
// tokens and tags, in transactions of up to purgeChunk tunnels. On error it
// returns how many it had deleted so far.
func (s *Store) PurgeClosed(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(tx *wtx) error {
			var err error
			n, err = tx.execN(s.ws.purgeClosed, millis(before), purgeChunk)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge closed tunnels: %w", err)
		}
		total += int(n)
		if n < purgeChunk {
			return total, nil
		}
	}
}
