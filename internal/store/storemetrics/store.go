package storemetrics

import (
	"context"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Store is a store.Store whose calls are timed (see Metrics.Wrap).
type Store struct {
	st store.Store
	m  *Metrics
}

var _ store.Store = (*Store)(nil)

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() store.Store { return s.st }

// CreateTunnel implements store.Store.
func (s *Store) CreateTunnel(ctx context.Context, t tunnel.Tunnel, tokens []store.Token, maxOpen int) error {
	defer s.m.since(opCreateTunnel, time.Now())
	return s.st.CreateTunnel(ctx, t, tokens, maxOpen)
}

// Tunnel implements store.Store.
func (s *Store) Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error) {
	defer s.m.since(opTunnel, time.Now())
	return s.st.Tunnel(ctx, id)
}

// ListTunnels implements store.Store.
func (s *Store) ListTunnels(ctx context.Context, q store.ListQuery) ([]tunnel.Tunnel, error) {
	defer s.m.since(opListTunnels, time.Now())
	return s.st.ListTunnels(ctx, q)
}

// CloseTunnel implements store.Store.
func (s *Store) CloseTunnel(ctx context.Context, id string, at time.Time) (tunnel.Tunnel, bool, error) {
	defer s.m.since(opCloseTunnel, time.Now())
	return s.st.CloseTunnel(ctx, id, at)
}

// DeleteTunnel implements store.Store.
func (s *Store) DeleteTunnel(ctx context.Context, id string) error {
	defer s.m.since(opDeleteTunnel, time.Now())
	return s.st.DeleteTunnel(ctx, id)
}

// RotateTokens implements store.Store.
func (s *Store) RotateTokens(ctx context.Context, id string, tokens []store.Token, thingName *string, at time.Time) (tunnel.Tunnel, error) {
	defer s.m.since(opRotateTokens, time.Now())
	return s.st.RotateTokens(ctx, id, tokens, thingName, at)
}

// TagTunnel implements store.Store.
func (s *Store) TagTunnel(ctx context.Context, id string, tags []tunnel.Tag, maxTags int, at time.Time) error {
	defer s.m.since(opTagTunnel, time.Now())
	return s.st.TagTunnel(ctx, id, tags, maxTags, at)
}

// UntagTunnel implements store.Store.
func (s *Store) UntagTunnel(ctx context.Context, id string, keys []string, at time.Time) error {
	defer s.m.since(opUntagTunnel, time.Now())
	return s.st.UntagTunnel(ctx, id, keys, at)
}

// ClaimToken implements store.Store.
func (s *Store) ClaimToken(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode, clientToken string, at time.Time) (store.Claim, error) {
	defer s.m.since(opClaimToken, time.Now())
	return s.st.ClaimToken(ctx, h, m, clientToken, at)
}

// SetConnState implements store.Store.
func (s *Store) SetConnState(ctx context.Context, id string, m tunnel.Mode, connected bool, at time.Time) error {
	defer s.m.since(opSetConnState, time.Now())
	return s.st.SetConnState(ctx, id, m, connected, at)
}

// ExpireTunnels implements store.Store.
func (s *Store) ExpireTunnels(ctx context.Context, now time.Time) ([]string, error) {
	defer s.m.since(opExpireTunnels, time.Now())
	return s.st.ExpireTunnels(ctx, now)
}

// NextExpiry implements store.Store.
func (s *Store) NextExpiry(ctx context.Context) (time.Time, bool, error) {
	defer s.m.since(opNextExpiry, time.Now())
	return s.st.NextExpiry(ctx)
}

// PurgeClosed implements store.Store.
func (s *Store) PurgeClosed(ctx context.Context, before time.Time) (int, error) {
	defer s.m.since(opPurgeClosed, time.Now())
	return s.st.PurgeClosed(ctx, before)
}

// Close implements store.Store; it is not timed.
func (s *Store) Close() error { return s.st.Close() }
