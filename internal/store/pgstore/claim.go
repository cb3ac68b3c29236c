package pgstore

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// selectClaim locks the token row and reads it with its tunnel.
	selectClaim = `SELECT k.mode, k.used, k.revoked, k.client_token_hash, ` + tunnelColumnsTags + `
		FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id WHERE k.hash = $1 FOR UPDATE OF k`
	// selectClientTokenHolder finds another token of an open tunnel bound
	// to client token hash $1.
	selectClientTokenHolder = `SELECT EXISTS (SELECT 1 FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id
		WHERE k.client_token_hash = $1 AND k.hash <> $2
		AND t.closed_at IS NULL AND t.expires_at > $3)`
	claimToken = `UPDATE tokens SET used = true, client_token_hash = $2 WHERE hash = $1`
)

// claimRow is a scanned row of selectClaim.
type claimRow struct {
	mode          string
	used, revoked bool
	bound         []byte
	t             tunnelRow
}

// ClaimToken authenticates a data-plane connection: it checks the token,
// its mode, its tunnel and its client-token binding, and marks it used, in
// one transaction that holds the token's row lock.
func (s *Store) ClaimToken(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (store.Claim, error) {
	var c store.Claim
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		t, err := claim(ctx, tx, h, m, clientToken, ms(at))
		c = store.Claim{Tunnel: t, Mode: m}
		return err
	})
	if err != nil {
		return store.Claim{}, wrap(fmt.Sprintf("claim %v token", m), err)
	}
	return c, nil
}

// claim applies the token rules of ClaimToken and returns the tunnel.
func claim(ctx context.Context, tx pgx.Tx, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (tunnel.Tunnel, error) {
	var r claimRow
	err := tx.QueryRow(ctx, selectClaim, h[:]).Scan(append([]any{&r.mode, &r.used, &r.revoked, &r.bound}, r.t.dest(true)...)...)
	switch {
	case errNoRows(err):
		return tunnel.Tunnel{}, store.ErrTokenUnknown
	case err != nil:
		return tunnel.Tunnel{}, fmt.Errorf("look up token: %w", err)
	case r.mode != m.String() || r.revoked:
		return tunnel.Tunnel{}, store.ErrTokenUnknown
	}
	t := r.t.tunnel()
	if !t.Open(at) {
		return tunnel.Tunnel{}, store.ErrClosed
	}
	if clientToken == "" {
		if r.used {
			return tunnel.Tunnel{}, store.ErrTokenUsed
		}
		return t, markUsed(ctx, tx, h, nil)
	}
	ch := sha256.Sum256([]byte(clientToken))
	switch {
	case r.used && r.bound == nil:
		return tunnel.Tunnel{}, store.ErrTokenUsed
	case r.used && subtle.ConstantTimeCompare(r.bound, ch[:]) != 1:
		return tunnel.Tunnel{}, store.ErrClientTokenMismatch
	case r.used:
		return t, nil // reconnect with the bound client token
	}
	if err := lockClientToken(ctx, tx, ch[:]); err != nil {
		return tunnel.Tunnel{}, err
	}
	var held bool
	if err := tx.QueryRow(ctx, selectClientTokenHolder, ch[:], h[:], at).Scan(&held); err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("check client token: %w", err)
	}
	if held {
		return tunnel.Tunnel{}, store.ErrClientTokenInUse
	}
	return t, markUsed(ctx, tx, h, ch[:])
}

// markUsed marks token h used and binds the client token hash (NULL when
// clientTokenHash is nil).
func markUsed(ctx context.Context, tx pgx.Tx, h tunnel.TokenHash, clientTokenHash []byte) error {
	if _, err := tx.Exec(ctx, claimToken, h[:], clientTokenHash); err != nil {
		return fmt.Errorf("mark token used: %w", err)
	}
	return nil
}
