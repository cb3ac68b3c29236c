package sqlitestore

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	selectTunnelState = `SELECT closed_at, expires_at FROM tunnels WHERE id = ?`
	// deleteModeTokens drops the tokens of a mode that bound no client
	// token; revokeModeTokens then retires the others (they keep their
	// client tokens taken, docs/PROTOCOL.md §1.8).
	deleteModeTokens = `DELETE FROM tokens WHERE tunnel_id = ? AND mode = ? AND client_token_hash IS NULL`
	revokeModeTokens = `UPDATE tokens SET revoked = 1 WHERE tunnel_id = ? AND mode = ?`
	// touchTunnel bumps last_updated_at to ?1 and, when ?2 is true, sets
	// the thing name to ?3.
	touchTunnel = `UPDATE tunnels SET last_updated_at = ?1,
		thing_name = IIF(?2, ?3, thing_name) WHERE id = ?4`
	selectClaim = `SELECT k.tunnel_id, k.mode, k.used, k.revoked, k.client_token_hash, t.closed_at, t.expires_at
		FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id WHERE k.hash = ?`
	// selectClientTokenHolder finds another token of an open tunnel bound
	// to client token hash ?1.
	selectClientTokenHolder = `SELECT 1 FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id
		WHERE k.client_token_hash = ?1 AND k.hash <> ?2
		AND t.closed_at IS NULL AND t.expires_at > ?3 LIMIT 1`
	claimToken = `UPDATE tokens SET used = 1, client_token_hash = ? WHERE hash = ?`
)

// RotateTokens replaces the current tokens of the given modes, bumps
// LastUpdatedAt and optionally sets the thing name, in one transaction.
func (s *Store) RotateTokens(ctx context.Context, id string, tokens []store.Token, thingName *string, at time.Time) (tunnel.Tunnel, error) {
	if err := checkTokens(tokens); err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("rotate tokens of %s: %w", id, err)
	}
	var t tunnel.Tunnel
	err := s.write(ctx, func(tx *wtx) error {
		if err := s.requireOpen(tx, id, at); err != nil {
			return err
		}
		for _, k := range tokens {
			if _, err := tx.exec(s.ws.deleteModeTokens, id, k.Mode.String()); err != nil {
				return fmt.Errorf("revoke %v token: %w", k.Mode, err)
			}
			if _, err := tx.exec(s.ws.revokeModeTokens, id, k.Mode.String()); err != nil {
				return fmt.Errorf("revoke %v token: %w", k.Mode, err)
			}
		}
		if err := s.insertTokens(tx, id, tokens); err != nil {
			return err
		}
		var name sql.NullString
		if thingName != nil {
			name = nullString(*thingName)
		}
		if _, err := tx.exec(s.ws.touchTunnel, millis(at), thingName != nil, name, id); err != nil {
			return fmt.Errorf("update tunnel: %w", err)
		}
		var err error
		t, err = s.loadTunnel(tx, id)
		return err
	})
	if err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("rotate tokens of %s: %w", id, err)
	}
	return t, nil
}

// requireOpen fails with ErrNotFound or ErrClosed unless tunnel id is open
// at time at.
func (s *Store) requireOpen(tx *wtx, id string, at time.Time) error {
	var (
		closed  sql.NullInt64
		expires int64
	)
	err := tx.queryRow(s.ws.tunnelState, id).Scan(&closed, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return fmt.Errorf("read tunnel state: %w", err)
	case closed.Valid || expires <= millis(at):
		return store.ErrClosed
	}
	return nil
}

// ClaimToken authenticates a data-plane connection: it checks the token,
// its mode, its tunnel and its client-token binding, and marks it used, all
// in one transaction.
func (s *Store) ClaimToken(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (store.Claim, error) {
	var c store.Claim
	err := s.write(ctx, func(tx *wtx) error {
		id, err := s.claim(tx, h, m, clientToken, at)
		if err != nil {
			return err
		}
		c.Mode = m
		c.Tunnel, err = s.loadTunnel(tx, id)
		return err
	})
	if err != nil {
		return store.Claim{}, fmt.Errorf("claim %v token: %w", m, err)
	}
	return c, nil
}

// claim applies the token rules of ClaimToken and returns the tunnel id.
func (s *Store) claim(tx *wtx, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (string, error) {
	var (
		id, mode string
		used     bool
		revoked  bool
		bound    []byte
		closed   sql.NullInt64
		expires  int64
	)
	err := tx.queryRow(s.ws.claimLookup, h[:]).Scan(&id, &mode, &used, &revoked, &bound, &closed, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", store.ErrTokenUnknown
	case err != nil:
		return "", fmt.Errorf("look up token: %w", err)
	case mode != m.String() || revoked:
		return "", store.ErrTokenUnknown
	case closed.Valid || expires <= millis(at):
		return "", store.ErrClosed
	}
	if clientToken == "" {
		if used {
			return "", store.ErrTokenUsed
		}
		return id, s.markUsed(tx, h, nil)
	}
	ch := sha256.Sum256([]byte(clientToken))
	switch {
	case used && bound == nil:
		return "", store.ErrTokenUsed
	case used && subtle.ConstantTimeCompare(bound, ch[:]) != 1:
		return "", store.ErrClientTokenMismatch
	case used:
		return id, nil // reconnect with the bound client token
	}
	var one int
	err = tx.queryRow(s.ws.clientTokenHolder, ch[:], h[:], millis(at)).Scan(&one)
	switch {
	case err == nil:
		return "", store.ErrClientTokenInUse
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("check client token: %w", err)
	}
	return id, s.markUsed(tx, h, ch[:])
}

// markUsed marks token h used and binds the client token hash, or nothing
// when clientTokenHash is nil (stored as NULL, not as an empty blob).
func (s *Store) markUsed(tx *wtx, h tunnel.TokenHash, clientTokenHash []byte) error {
	var bind any
	if clientTokenHash != nil {
		bind = clientTokenHash
	}
	if _, err := tx.exec(s.ws.claimToken, bind, h[:]); err != nil {
		return fmt.Errorf("mark token used: %w", err)
	}
	return nil
}
