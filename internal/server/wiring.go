package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/adit-project/adit/internal/api"
	"github.com/adit-project/adit/internal/console"
	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// build creates the relay and the API over the open store.
func (s *Server) build() error {
	if err := s.instrument(); err != nil {
		return err
	}
	if err := s.buildCluster(); err != nil {
		return fmt.Errorf("build cluster: %w", err)
	}
	var rc relay.Cluster
	if s.node != nil {
		rc = s.node
	}
	var err error
	s.relay, err = relay.New(relay.Config{
		Cluster:        rc,
		Auth:           authAdapter{s.store},
		States:         stateAdapter{s.store},
		Logger:         s.log.With("component", "relay"),
		IdleTimeout:    s.cfg.IdleTimeout,
		AttemptRate:    s.cfg.ConnectRate,
		BandwidthLimit: s.cfg.TunnelBandwidth,
		OnEvent:        s.relayEvents(),
	})
	if err != nil {
		return fmt.Errorf("build relay: %w", err)
	}
	s.console, err = console.New(console.Config{DataPlane: s.relay, Region: s.cfg.Region, Logger: s.log.With("component", "console")})
	if err != nil {
		return fmt.Errorf("build console: %w", err)
	}
	if err := s.buildMQTT(); err != nil {
		return fmt.Errorf("build mqtt: %w", err)
	}
	var notifier api.Notifier
	if s.mq.pub != nil {
		notifier = s.mq.pub
	}
	s.api, err = api.New(api.Config{
		Store:          s.store,
		Auth:           s.keys.verifier,
		Partition:      s.cfg.Partition,
		Region:         s.cfg.Region,
		AccountID:      s.cfg.AccountID,
		MaxOpenTunnels: s.cfg.MaxOpenTunnels,
		MaxServices:    s.cfg.MaxServices,
		MaxTags:        s.cfg.MaxTags,
		RateLimit:      s.cfg.APIRateLimit,
		Peers:          s.relay,
		Notifier:       notifier,
		Authorizer:     s.policies,
		Audit:          s.audit,
		Logger:         s.log.With("component", "api"),
	})
	if err != nil {
		return fmt.Errorf("build api: %w", err)
	}
	return s.registerMetrics()
}

// authAdapter answers the relay's token claims from the store, translating
// store errors into the relay's rejection kinds.
type authAdapter struct{ st store.Store }

func (a authAdapter) Claim(ctx context.Context, token string, m tunnel.Mode, clientToken string) (relay.Grant, error) {
	c, err := a.st.ClaimToken(ctx, tunnel.HashToken(token), m, clientToken, time.Now())
	switch {
	case err == nil:
		return relay.Grant{TunnelID: c.Tunnel.ID, Services: c.Tunnel.Services, ExpiresAt: c.Tunnel.ExpiresAt}, nil
	case errors.Is(err, store.ErrTokenUnknown):
		return relay.Grant{}, relay.ErrTokenInvalid
	case errors.Is(err, store.ErrTokenUsed):
		return relay.Grant{}, relay.ErrTokenUsed
	case errors.Is(err, store.ErrClientTokenMismatch):
		return relay.Grant{}, relay.ErrClientTokenMismatch
	case errors.Is(err, store.ErrClientTokenInUse):
		return relay.Grant{}, relay.ErrClientTokenInUse
	case errors.Is(err, store.ErrClosed), errors.Is(err, store.ErrNotFound):
		return relay.Grant{}, relay.ErrTunnelClosed
	}
	return relay.Grant{}, fmt.Errorf("claim token: %w", err)
}

// stateAdapter records data-plane connection changes in the store so that
// DescribeTunnel shows them live.
type stateAdapter struct{ st store.Store }

func (a stateAdapter) SetConnState(ctx context.Context, id string, m tunnel.Mode, connected bool, at time.Time) error {
	err := a.st.SetConnState(ctx, id, m, connected, at)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrClosed) {
		return nil // closed or deleted meanwhile: the relay is closing the peer
	}
	return err
}

// tlsConfig returns the listeners' TLS configuration, or nil for plain
// HTTP. TLS 1.2 is the minimum, as the reference local proxy requires.
func tlsConfig(cfg *Config) (*tls.Config, error) {
	cert, key := cfg.TLSCert, cfg.TLSKey
	if cfg.TLSSelfSigned {
		p, err := ensureSelfSigned(cfg.DataDir, selfSignedHosts(cfg), time.Now())
		if err != nil {
			return nil, fmt.Errorf("self-signed tls: %w", err)
		}
		cert, key = p.ServerCert, p.ServerKey
		cfg.Logger.Info("serving TLS with a self-signed certificate; give clients this CA", "ca_file", p.CACert)
	}
	if cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("load tls certificate: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{pair},
		NextProtos:   []string{"http/1.1"},
	}, nil
}

func selfSignedHosts(cfg *Config) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	for _, addr := range []string{cfg.Listen, cfg.DataListen} {
		if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && h != "0.0.0.0" && h != "::" {
			hosts = append(hosts, h)
		}
	}
	return append(hosts, cfg.TLSHosts...)
}
