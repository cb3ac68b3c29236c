package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// setConnState returns the statement that flips the state of the mode whose
// columns start with prefix ("src" or "dst") to ?1 at ?2 for tunnel ?3. It
// changes nothing when the state already is ?1, and refuses to mark a
// closed or expired tunnel connected.
func setConnState(prefix string) string {
	return `UPDATE tunnels SET ` + prefix + `_connected = ?1, ` + prefix + `_updated_at = ?2,
		last_updated_at = ?2
		WHERE id = ?3 AND ` + prefix + `_connected <> ?1
		AND (NOT ?1 OR (closed_at IS NULL AND expires_at > ?2))`
}

// SetConnState records that mode m of tunnel id connected or disconnected
// at time at. Recording the state the mode already has changes nothing.
// Marking a closed or expired tunnel connected fails with ErrClosed;
// disconnecting always succeeds.
func (s *Store) SetConnState(ctx context.Context, id string, m tunnel.Mode, connected bool, at time.Time) error {
	st := s.ws.setSrcConn
	switch m {
	case tunnel.ModeSource:
	case tunnel.ModeDestination:
		st = s.ws.setDstConn
	default:
		return fmt.Errorf("set %v state of %s: invalid mode", m, id)
	}
	err := s.write(ctx, func(tx *wtx) error {
		n, err := tx.execN(st, connected, millis(at), id)
		if err != nil || n > 0 {
			return err
		}
		// Nothing changed: unknown tunnel, closed tunnel, or same state.
		err = s.requireOpen(tx, id, at)
		if errors.Is(err, store.ErrClosed) && !connected {
			return nil // closing already disconnected it
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("set %v state of %s: %w", m, id, err)
	}
	return nil
}
