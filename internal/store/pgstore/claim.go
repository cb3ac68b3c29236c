package pgstore

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	// claimToken runs the token rules in the database (adit_claim_token,
	// migrations/0001_init.sql).
	claimToken = `SELECT status, bound FROM adit_claim_token($1, $2, $3, $4)`
	// selectTokenTunnel reads the tunnel of token $1.
	selectTokenTunnel = `SELECT ` + tunnelColumnsTags + `
		FROM tokens k JOIN tunnels t ON t.id = k.tunnel_id WHERE k.hash = $1`
)

// ClaimToken authenticates a data-plane connection: it checks the token,
// its mode, its tunnel and its client-token binding, and marks it used,
// holding the token's row lock. The claim and the read of the tunnel go
// to the database as one batch, one round trip and one transaction.
func (s *Store) ClaimToken(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (store.Claim, error) {
	var ch []byte
	if clientToken != "" {
		sum := sha256.Sum256([]byte(clientToken))
		ch = sum[:]
	}
	var (
		status string
		bound  []byte
		t      tunnel.Tunnel
	)
	err := s.do(ctx, func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(claimToken, h[:], m.String(), ch, ms(at)).QueryRow(func(row pgx.Row) error {
			return row.Scan(&status, &bound)
		})
		b.Queue(selectTokenTunnel, h[:]).QueryRow(func(row pgx.Row) error {
			var err error
			t, err = scanTunnel(row, "")
			if errors.Is(err, store.ErrNotFound) {
				return nil // unknown token: claimStatus says so
			}
			return err
		})
		return s.pool.SendBatch(ctx, b).Close()
	})
	if err == nil {
		err = claimStatus(status, bound, ch)
	}
	if err != nil {
		return store.Claim{}, wrap(fmt.Sprintf("claim %v token", m), err)
	}
	return store.Claim{Tunnel: t, Mode: m}, nil
}

// claimStatus maps a status of adit_claim_token to ClaimToken's result.
func claimStatus(status string, bound, clientTokenHash []byte) error {
	switch status {
	case "ok":
		return nil
	case "unknown":
		return store.ErrTokenUnknown
	case "closed":
		return store.ErrClosed
	case "used":
		return store.ErrTokenUsed
	case "in_use":
		return store.ErrClientTokenInUse
	case "bound":
		if subtle.ConstantTimeCompare(bound, clientTokenHash) == 1 {
			return nil // reconnect with the bound client token
		}
		return store.ErrClientTokenMismatch
	}
	return fmt.Errorf("unexpected claim status %q", status)
}
