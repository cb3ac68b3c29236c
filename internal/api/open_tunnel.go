package api

import (
	"context"
	"time"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

func (in *openTunnelInput) validate() error {
	var v violations
	if in.Description != nil {
		v.str("description", *in.Description, 0, 0, patDescription, isDescription)
	}
	if in.Tags != nil {
		v.tags("tags", in.Tags)
	}
	if in.DestinationConfig != nil {
		v.destinationConfig("destinationConfig", in.DestinationConfig)
	}
	if tc := in.TimeoutConfig; tc != nil && tc.MaxLifetimeTimeoutMinutes != nil {
		v.intRange("timeoutConfig.maxLifetimeTimeoutMinutes", *tc.MaxLifetimeTimeoutMinutes,
			tunnel.MinLifetimeMinutes, tunnel.MaxLifetimeMinutes)
	}
	return v.err()
}

// openTunnel creates an open tunnel with fresh ids and tokens (only their
// hashes are stored) and notifies the destination thing, if named.
func (h *Handler) openTunnel(ctx context.Context, in *openTunnelInput) (*openTunnelOutput, error) {
	t, err := h.newTunnel(in)
	if err != nil {
		return nil, err
	}
	src, dst := tunnel.NewToken(), tunnel.NewToken()
	tokens := []store.Token{
		{Hash: tunnel.HashToken(src), Mode: tunnel.ModeSource},
		{Hash: tunnel.HashToken(dst), Mode: tunnel.ModeDestination},
	}
	if err := h.cfg.Store.CreateTunnel(ctx, t, tokens, h.cfg.MaxOpenTunnels); err != nil {
		return nil, fromStore(err, t.ID)
	}
	h.log.Info("tunnel opened", "tunnel_id", t.ID, "thing_name", t.ThingName)
	if t.ThingName != "" {
		h.notify(ctx, t.ID, notifymsg.Notification{ThingName: t.ThingName, Region: h.cfg.Region, Token: dst, Services: t.Services})
	}
	return &openTunnelOutput{TunnelID: t.ID, TunnelARN: t.ARN, SourceAccessToken: src, DestinationAccessToken: dst}, nil
}

// newTunnel builds the record of a tunnel opened now, after the quota
// checks that need no store access.
func (h *Handler) newTunnel(in *openTunnelInput) (tunnel.Tunnel, error) {
	now := h.now()
	id := in.id
	if id == "" {
		id = tunnel.NewID()
	}
	t := tunnel.Tunnel{
		ID: id, ARN: tunnel.ARN(h.cfg.Partition, h.cfg.Region, h.cfg.AccountID, id),
		Status: tunnel.StatusOpen, LifetimeMinutes: tunnel.DefaultLifetimeMinutes,
		CreatedAt: now, LastUpdatedAt: now,
		Source:      tunnel.ConnState{LastUpdatedAt: now},
		Destination: tunnel.ConnState{LastUpdatedAt: now},
		Tags:        tagsFrom(in.Tags),
	}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if dc := in.DestinationConfig; dc != nil {
		if len(dc.Services) > h.cfg.MaxServices {
			return t, newError(codeLimitExceeded, "a tunnel can have at most %d services", h.cfg.MaxServices)
		}
		t.Services = dc.Services
		if dc.ThingName != nil {
			t.ThingName = *dc.ThingName
		}
	}
	if len(t.Tags) > h.cfg.MaxTags {
		return t, tooManyTags(h.cfg.MaxTags)
	}
	if tc := in.TimeoutConfig; tc != nil && tc.MaxLifetimeTimeoutMinutes != nil {
		t.LifetimeMinutes = *tc.MaxLifetimeTimeoutMinutes
	}
	t.ExpiresAt = now.Add(time.Duration(t.LifetimeMinutes) * time.Minute)
	return t, nil
}
