package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// tagTunnel merges tags $2 into the tags of tunnel $1 unless the
	// result would hold more than $4 keys ($4 <= 0: no limit). The row
	// lock it takes serialises concurrent tag changes of one tunnel, and
	// the limit is checked against the row as it is after those.
	tagTunnel = `UPDATE tunnels SET tags = tags || $2::jsonb, last_updated_at = $3
		WHERE id = $1 AND ($4 <= 0 OR (SELECT count(*) FROM jsonb_object_keys(tags || $2::jsonb)) <= $4)`
	untagTunnel  = `UPDATE tunnels SET tags = tags - $2::text[], last_updated_at = $3 WHERE id = $1`
	tunnelExists = `SELECT EXISTS (SELECT 1 FROM tunnels WHERE id = $1)`
)

// TagTunnel adds or overwrites tags and bumps LastUpdatedAt in one
// statement that changes nothing when the result would exceed maxTags (no
// limit when maxTags <= 0).
func (s *Store) TagTunnel(ctx context.Context, id string, tags []tunnel.Tag, maxTags int, at time.Time) error {
	tag, err := s.exec(ctx, tagTunnel, id, tagMap(tags), ms(at), maxTags)
	if err != nil {
		return wrap("tag tunnel "+id, err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	if err := s.queryRow(ctx, tunnelExists, id).Scan(&exists); err != nil {
		return wrap("tag tunnel "+id, err)
	}
	if exists {
		return fmt.Errorf("tag tunnel %s: %w", id, store.ErrTooManyTags)
	}
	return fmt.Errorf("tag tunnel %s: %w", id, store.ErrNotFound)
}

// UntagTunnel removes the tags with those keys and bumps LastUpdatedAt.
func (s *Store) UntagTunnel(ctx context.Context, id string, keys []string, at time.Time) error {
	if keys == nil {
		keys = []string{}
	}
	tag, err := s.exec(ctx, untagTunnel, id, keys, ms(at))
	if err != nil {
		return wrap("untag tunnel "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("untag tunnel %s: %w", id, store.ErrNotFound)
	}
	return nil
}
