package relay

import (
	"context"
	"errors"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// Authenticator claims access tokens for the relay. The implementation
// compares tokens in constant time (it holds their hashes) and applies
// the single-use and client-token rules of docs/PROTOCOL.md §3.3.
type Authenticator interface {
	// Claim authenticates an upgrade of mode m with access token token
	// and optional client token clientToken ("" when absent), consuming
	// the token as §3.3 says. It returns one of the Err* errors of this
	// package for a client mistake; any other error is a server fault and
	// the client gets 503.
	Claim(ctx context.Context, token string, m tunnel.Mode, clientToken string) (Grant, error)
}

// Grant is a successful claim.
type Grant struct {
	// TunnelID is the tunnel the token opens.
	TunnelID string
	// Services are the tunnel's destinationConfig.services, sent to 2.0
	// and 3.0 peers in SERVICE_IDS; empty when none.
	Services []string
	// ExpiresAt is the end of the tunnel's lifetime: the relay closes both
	// peers then with 1000 "tunnel expired". Zero: no expiry.
	ExpiresAt time.Time
}

// StateRecorder records connection states, so DescribeTunnel shows them.
type StateRecorder interface {
	// SetConnState records that mode m of tunnel tunnelID connected or
	// disconnected at time at.
	SetConnState(ctx context.Context, tunnelID string, m tunnel.Mode, connected bool, at time.Time) error
}

// Errors an Authenticator returns for client mistakes. Each maps to one
// rejection of docs/PROTOCOL.md D1 (see reject.go).
var (
	// ErrTokenInvalid: the token is unknown or revoked, or was issued for
	// the other mode.
	ErrTokenInvalid = errors.New("invalid access token")
	// ErrTokenUsed: the token was already used without a client token, or
	// with one and none was given now.
	ErrTokenUsed = errors.New("access token already used")
	// ErrClientTokenMismatch: the token is bound to another client token.
	ErrClientTokenMismatch = errors.New("client token mismatch")
	// ErrClientTokenInUse: the client token is bound to another access
	// token.
	ErrClientTokenInUse = errors.New("client token in use")
	// ErrTunnelClosed: the tunnel is closed or its lifetime has run out.
	ErrTunnelClosed = errors.New("tunnel is closed")
)
