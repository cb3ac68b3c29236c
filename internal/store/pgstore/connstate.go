package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// setConnState returns the statement that flips the state of the mode whose
// columns start with prefix ("src" or "dst") to $2 at $3 for tunnel $1. It
// changes nothing when the state already is $2, and refuses to mark a
// closed or expired tunnel connected.
func setConnState(prefix string) string {
	return `UPDATE tunnels SET ` + prefix + `_connected = $2, ` + prefix + `_updated_at = $3,
		last_updated_at = $3
		WHERE id = $1 AND ` + prefix + `_connected <> $2
		AND (NOT $2 OR (closed_at IS NULL AND expires_at > $3))`
}

var (
	setSrcConn = setConnState("src")
	setDstConn = setConnState("dst")
)

// SetConnState records that mode m of tunnel id connected or disconnected
// at time at. Recording the state the mode already has changes nothing.
// Marking a closed or expired tunnel connected fails with ErrClosed;
// disconnecting always succeeds.
func (s *Store) SetConnState(ctx context.Context, id string, m tunnel.Mode, connected bool, at time.Time) error {
	q := setSrcConn
	switch m {
	case tunnel.ModeSource:
	case tunnel.ModeDestination:
		q = setDstConn
	default:
		return fmt.Errorf("set %v state of %s: invalid mode", m, id)
	}
	tag, err := s.exec(ctx, q, id, connected, ms(at))
	if err != nil {
		return wrap(fmt.Sprintf("set %v state of %s", m, id), err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	// Nothing changed: unknown tunnel, closed tunnel, or same state.
	err = requireOpen(ctx, poolQuerier{s}, selectOpen, id, at)
	if errors.Is(err, store.ErrClosed) && !connected {
		return nil // closing already disconnected it
	}
	return wrap(fmt.Sprintf("set %v state of %s", m, id), err)
}
