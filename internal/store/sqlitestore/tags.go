package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	countTags = `SELECT count(*) FROM tags WHERE tunnel_id = ?`
	deleteTag = `DELETE FROM tags WHERE tunnel_id = ? AND key = ?`
)

// TagTunnel adds or overwrites tags and bumps LastUpdatedAt, in one
// transaction that is rolled back when the result would exceed maxTags (no
// limit when maxTags <= 0).
func (s *Store) TagTunnel(ctx context.Context, id string, tags []tunnel.Tag, maxTags int, at time.Time) error {
	err := s.write(ctx, func(tx *wtx) error {
		if err := s.touch(tx, id, at); err != nil {
			return err
		}
		if err := s.upsertTags(tx, id, tags); err != nil {
			return err
		}
		if maxTags <= 0 {
			return nil
		}
		var n int
		if err := tx.queryRow(s.ws.countTags, id).Scan(&n); err != nil {
			return fmt.Errorf("count tags: %w", err)
		}
		if n > maxTags {
			return store.ErrTooManyTags
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tag tunnel %s: %w", id, err)
	}
	return nil
}

// UntagTunnel removes the tags with those keys and bumps LastUpdatedAt.
func (s *Store) UntagTunnel(ctx context.Context, id string, keys []string, at time.Time) error {
	err := s.write(ctx, func(tx *wtx) error {
		if err := s.touch(tx, id, at); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.exec(s.ws.deleteTag, id, k); err != nil {
				return fmt.Errorf("delete tag: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("untag tunnel %s: %w", id, err)
	}
	return nil
}

// touch bumps LastUpdatedAt of tunnel id, or fails with ErrNotFound.
func (s *Store) touch(tx *wtx, id string, at time.Time) error {
	n, err := tx.execN(s.ws.touchTunnel, millis(at), false, nil, id)
	if err != nil {
		return fmt.Errorf("update tunnel: %w", err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
