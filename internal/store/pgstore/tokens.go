package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// selectOpen reads whether tunnel $1 is open at $2; lockOpen also
	// locks its row against a concurrent close.
	selectOpen = `SELECT closed_at IS NULL AND expires_at > $2 FROM tunnels WHERE id = $1`
	lockOpen   = selectOpen + ` FOR UPDATE`
	// deleteModeTokens drops the tokens of the modes that bound no client
	// token; revokeModeTokens then retires the others (they keep their
	// client tokens taken, docs/PROTOCOL.md §1.8).
	deleteModeTokens = `DELETE FROM tokens WHERE tunnel_id = $1 AND mode = ANY ($2) AND client_token_hash IS NULL`
	revokeModeTokens = `UPDATE tokens SET revoked = true WHERE tunnel_id = $1 AND mode = ANY ($2)`
	// touchRotated bumps last_updated_at to $2 and, when $3, sets the
	// thing name to $4.
	touchRotated = `UPDATE tunnels t SET last_updated_at = $2,
		thing_name = CASE WHEN $3 THEN $4 ELSE thing_name END
		WHERE id = $1 RETURNING ` + tunnelColumnsTags
	notify = `SELECT pg_notify('adit_tunnels', $1)`
	// selectTokenCurrent reads whether token $1 of mode $2 is neither
	// revoked nor of a closed tunnel (a replaced unbound token is gone).
	selectTokenCurrent = `SELECT NOT k.revoked AND t.closed_at IS NULL
		FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id WHERE k.hash = $1 AND k.mode = $2`
)

// TokenCurrent implements store.Cluster.
func (s *Store) TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error) {
	var cur bool
	err := s.queryRow(ctx, selectTokenCurrent, h[:], m.String()).Scan(&cur)
	switch {
	case errNoRows(err):
		return false, nil
	case err != nil:
		return false, wrap("check token", err)
	}
	return cur, nil
}

// RotateTokens replaces the current tokens of the given modes, bumps
// LastUpdatedAt, optionally sets the thing name and publishes the
// rotation, in one transaction.
func (s *Store) RotateTokens(ctx context.Context, id string, tokens []store.Token, thingName *string, at time.Time) (tunnel.Tunnel, error) {
	hashes, modes, err := tokenArrays(tokens)
	if err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("rotate tokens of %s: %w", id, err)
	}
	payload, err := json.Marshal(changeMessage{Kind: kindRotated, TunnelID: id, Modes: modes})
	if err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("rotate tokens of %s: %w", id, err)
	}
	var t tunnel.Tunnel
	err = s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := requireOpen(ctx, tx, lockOpen, id, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteModeTokens, id, modes); err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		if _, err := tx.Exec(ctx, revokeModeTokens, id, modes); err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		if len(hashes) > 0 {
			if _, err := tx.Exec(ctx, insertTokens, id, hashes, modes); err != nil {
				return fmt.Errorf("insert tokens: %w", err)
			}
		}
		var name *string
		if thingName != nil {
			name = nullString(*thingName)
		}
		t, err = scanTunnel(tx.QueryRow(ctx, touchRotated, id, ms(at), thingName != nil, name), id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, notify, string(payload))
		return err
	})
	if err != nil {
		return tunnel.Tunnel{}, wrap("rotate tokens of "+id, err)
	}
	return t, nil
}

// querier runs a query that returns one row: a pool, connection or
// transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// requireOpen runs query (selectOpen or lockOpen) and fails with
// ErrNotFound or ErrClosed unless tunnel id is open at time at.
func requireOpen(ctx context.Context, q querier, query, id string, at time.Time) error {
	var open bool
	err := q.QueryRow(ctx, query, id, ms(at)).Scan(&open)
	switch {
	case errNoRows(err):
		return store.ErrNotFound
	case err != nil:
		return fmt.Errorf("read tunnel state: %w", err)
	case !open:
		return store.ErrClosed
	}
	return nil
}
