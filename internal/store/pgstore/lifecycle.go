package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// closeTunnel closes open tunnel $1 at $2. A tunnel whose lifetime ran
	// out before $2 closed at its expiry, as the sweep would have recorded.
	// Connection stamps move only for modes that were connected. The
	// trigger on tunnels publishes the close and removes the owner.
	closeTunnel = `UPDATE tunnels t SET
		closed_at = least($2, expires_at),
		last_updated_at = $2,
		src_updated_at = CASE WHEN src_connected THEN $2 ELSE src_updated_at END, src_connected = false,
		dst_updated_at = CASE WHEN dst_connected THEN $2 ELSE dst_updated_at END, dst_connected = false
		WHERE id = $1 AND closed_at IS NULL
		RETURNING ` + tunnelColumnsTags
	// expireTunnels closes the open tunnels due at $1, at their expiry.
	expireTunnels = `UPDATE tunnels SET
		closed_at = expires_at,
		last_updated_at = greatest(last_updated_at, expires_at),
		src_updated_at = CASE WHEN src_connected THEN greatest(src_updated_at, expires_at) ELSE src_updated_at END,
		src_connected = false,
		dst_updated_at = CASE WHEN dst_connected THEN greatest(dst_updated_at, expires_at) ELSE dst_updated_at END,
		dst_connected = false
		WHERE closed_at IS NULL AND expires_at <= $1
		RETURNING id`
	selectNextExpiry = `SELECT min(expires_at) FROM tunnels WHERE closed_at IS NULL`
	// purgeClosed deletes up to $2 tunnels closed before $1, skipping rows
	// another node is deleting.
	purgeClosed = `DELETE FROM tunnels WHERE id IN
		(SELECT id FROM tunnels WHERE closed_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`
)

// purgeChunk bounds how many tunnels one PurgeClosed statement deletes.
const purgeChunk = 500

// CloseTunnel closes an open tunnel at time at (or at its expiry, if that
// came first) and reports whether this call closed it. It is one
// statement; the close notification commits with it.
func (s *Store) CloseTunnel(ctx context.Context, id string, at time.Time) (tunnel.Tunnel, bool, error) {
	t, err := scanTunnel(s.queryRow(ctx, closeTunnel, id, ms(at)), id)
	if err == nil {
		return t, true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return tunnel.Tunnel{}, false, wrap("close tunnel "+id, err)
	}
	// Closed already, or absent.
	t, err = scanTunnel(s.queryRow(ctx, selectTunnel, id), id)
	if err != nil {
		return tunnel.Tunnel{}, false, wrap("close tunnel "+id, err)
	}
	return t, false, nil
}

// ExpireTunnels closes every open tunnel whose ExpiresAt is not after now,
// with ClosedAt = ExpiresAt, and returns their ids. Nodes expiring at the
// same time close each tunnel once.
func (s *Store) ExpireTunnels(ctx context.Context, now time.Time) ([]string, error) {
	ids, err := collect(ctx, s, expireTunnels, []any{ms(now)}, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("expire tunnels", err)
	}
	return ids, nil
}

// NextExpiry returns the earliest ExpiresAt among open tunnels.
func (s *Store) NextExpiry(ctx context.Context) (time.Time, bool, error) {
	var t *time.Time
	if err := s.queryRow(ctx, selectNextExpiry).Scan(&t); err != nil {
		return time.Time{}, false, wrap("next expiry", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return t.UTC(), true, nil
}

// PurgeClosed deletes the tunnels closed before the given time, with their
// tokens, in statements of up to purgeChunk tunnels. On error it returns
// how many it had deleted so far.
func (s *Store) PurgeClosed(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		n, err := s.purgeChunk(ctx, before)
		total += n
		if err != nil {
			return total, wrap("purge closed tunnels", err)
		}
		if n < purgeChunk {
			return total, nil
		}
	}
}

func (s *Store) purgeChunk(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.exec(ctx, purgeClosed, ms(before), purgeChunk)
	return int(tag.RowsAffected()), err
}
