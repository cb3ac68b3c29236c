// Package store defines the storage contract of tunneld: the Store
// interface every backend implements, its query types and its errors.
// Backends live in sub-packages (sqlitestore, pgstore); storetest holds the
// conformance suite they all pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// Errors returned by every Store implementation. Callers test them with
// errors.Is; implementations may wrap them with more context.
var (
	// ErrNotFound: no tunnel with that id (never created, or purged).
	ErrNotFound = errors.New("tunnel not found")
	// ErrExists: a tunnel with that id already exists.
	ErrExists = errors.New("tunnel already exists")
	// ErrLimitExceeded: the open-tunnel quota given to CreateTunnel is reached.
	ErrLimitExceeded = errors.New("open tunnel limit exceeded")
	// ErrTooManyTags: the tag quota given to TagTunnel would be exceeded.
	ErrTooManyTags = errors.New("too many tags")
	// ErrClosed: the tunnel is closed (or its lifetime ran out).
	ErrClosed = errors.New("tunnel is closed")

	// ErrTokenUnknown: no current token has that hash, or it was issued
	// for the other mode. Revoked tokens are unknown.
	ErrTokenUnknown = errors.New("unknown access token")
	// ErrTokenUsed: the token was already used without a client token, or
	// was used with a client token and none was given now.
	ErrTokenUsed = errors.New("access token already used")
	// ErrClientTokenMismatch: the token is bound to another client token.
	ErrClientTokenMismatch = errors.New("client token mismatch")
	// ErrClientTokenInUse: the client token is bound to another access
	// token of an open tunnel.
	ErrClientTokenInUse = errors.New("client token in use")

	// ErrUnavailable: the store could not be reached or did not answer in
	// time (a shared database that is down, restarting or overloaded). The
	// call may or may not have taken effect; retrying later may succeed.
	// Backends wrap it around the cause.
	ErrUnavailable = errors.New("store unavailable")
)

// Token is one current access token of a tunnel, stored by hash only.
type Token struct {
	Hash tunnel.TokenHash
	Mode tunnel.Mode
}

// Claim is a successful ClaimToken: which tunnel the token opens, as it was
// after the claim.
type Claim struct {
	Tunnel tunnel.Tunnel
	Mode   tunnel.Mode
}

// Cursor marks a position in the newest-first tunnel order.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// ListQuery selects a page of tunnels, newest first (by CreatedAt, then by
// ID descending).
type ListQuery struct {
	// ThingName, when non-empty, keeps only tunnels with that thing name.
	ThingName string
	// Limit is the page size; it must be at least 1.
	Limit int
	// After, when non-nil, keeps only tunnels strictly after the cursor in
	// newest-first order.
	After *Cursor
}

// Store keeps tunnels, their tokens (as hashes), tags and connection states.
// Every method is safe for concurrent use, and every acknowledged write
// survives a crash of the process (kill -9); what a power loss may cost is
// documented per backend. Times are stored with millisecond precision and
// Tags are returned sorted by key. "Open at time t" means tunnel.Open(t):
// status OPEN and lifetime not run out.
type Store interface {
	// CreateTunnel stores a new open tunnel and its tokens. When maxOpen > 0
	// and that many tunnels are already open, it stores nothing and returns
	// ErrLimitExceeded.
	CreateTunnel(ctx context.Context, t tunnel.Tunnel, tokens []Token, maxOpen int) error
	// Tunnel returns the tunnel with that id, or ErrNotFound.
	Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error)
	// ListTunnels returns one page in newest-first order; Tags are not
	// filled in.
	ListTunnels(ctx context.Context, q ListQuery) ([]tunnel.Tunnel, error)
	// CloseTunnel marks an open tunnel closed at time at (both connection
	// states become disconnected). Closing a closed tunnel changes nothing
	// and is not an error. It returns the tunnel as stored afterwards and
	// whether this call closed it.
	CloseTunnel(ctx context.Context, id string, at time.Time) (tunnel.Tunnel, bool, error)
	// DeleteTunnel removes a tunnel with its tokens and tags.
	DeleteTunnel(ctx context.Context, id string) error
	// RotateTokens replaces the current tokens of the modes in tokens (the
	// old ones stop working at once; a client token one of them bound stays
	// taken while the tunnel is open, docs/PROTOCOL.md §1.8) and bumps
	// LastUpdatedAt to at. When
	// thingName is non-nil it replaces the stored thing name. It fails with
	// ErrClosed on a closed or expired tunnel.
	RotateTokens(ctx context.Context, id string, tokens []Token, thingName *string, at time.Time) (tunnel.Tunnel, error)
	// TagTunnel adds tags, overwriting values of existing keys. When
	// maxTags > 0 and the result would hold more than maxTags tags it
	// changes nothing and returns ErrTooManyTags.
	TagTunnel(ctx context.Context, id string, tags []tunnel.Tag, maxTags int, at time.Time) error
	// UntagTunnel removes the tags with those keys; absent keys are ignored.
	UntagTunnel(ctx context.Context, id string, keys []string, at time.Time) error
	// ClaimToken authenticates a data-plane connection atomically: the token
	// must be current, of mode m, and its tunnel open at time at. Without a
	// client token it must be unused, and becomes used. With one it must be
	// unused (then the client token is bound, unless another token of an
	// open tunnel holds it: ErrClientTokenInUse) or bound to that same
	// client token.
	ClaimToken(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (Claim, error)
	// SetConnState records that mode m of the tunnel connected or
	// disconnected at time at, bumping the tunnel's LastUpdatedAt. Recording
	// the state a mode already has changes nothing; connecting a closed or
	// expired tunnel returns ErrClosed; disconnecting one is a no-op.
	SetConnState(ctx context.Context, id string, m tunnel.Mode, connected bool, at time.Time) error
	// ExpireTunnels closes every open tunnel whose ExpiresAt is not after
	// now (ClosedAt = ExpiresAt) and returns their ids.
	ExpireTunnels(ctx context.Context, now time.Time) ([]string, error)
	// NextExpiry returns the earliest ExpiresAt among open tunnels, and
	// false when no tunnel is open.
	NextExpiry(ctx context.Context) (time.Time, bool, error)
	// PurgeClosed deletes closed tunnels whose ClosedAt is before the given
	// time and returns how many it deleted.
	PurgeClosed(ctx context.Context, before time.Time) (int, error)
	// Close releases the store's resources.
	Close() error
}
