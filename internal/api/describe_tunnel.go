package api

import (
	"context"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

func (in *describeTunnelInput) validate() error {
	var v violations
	v.tunnelID(in.TunnelID)
	return v.err()
}

// describeTunnel returns the tunnel as seen now.
func (h *Handler) describeTunnel(ctx context.Context, in *describeTunnelInput) (*describeTunnelOutput, error) {
	t, err := h.tunnelRead(ctx, *in.TunnelID)
	if err != nil {
		return nil, fromStore(err, *in.TunnelID)
	}
	return &describeTunnelOutput{Tunnel: tunnelShapeOf(seenAt(t, h.now()))}, nil
}

// seenAt returns t as the API shows it at now. A tunnel whose lifetime ran
// out reads as it will once the expiry sweep has closed it: CLOSED at
// ExpiresAt, both modes disconnected.
func seenAt(t tunnel.Tunnel, now time.Time) tunnel.Tunnel {
	if t.EffectiveStatus(now) == t.Status {
		return t
	}
	t.Status, t.ClosedAt = tunnel.StatusClosed, t.ExpiresAt
	t.LastUpdatedAt = later(t.LastUpdatedAt, t.ExpiresAt)
	for _, c := range []*tunnel.ConnState{&t.Source, &t.Destination} {
		if c.Connected {
			c.Connected, c.LastUpdatedAt = false, later(c.LastUpdatedAt, t.ExpiresAt)
		}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// tunnelShapeOf renders a tunnel per D10: both connection states and the
// effective timeoutConfig always; destinationConfig only when the tunnel
// has services; tags and description only when present.
func tunnelShapeOf(t tunnel.Tunnel) tunnelShape {
	lifetime := t.LifetimeMinutes
	s := tunnelShape{
		TunnelID: t.ID, TunnelARN: t.ARN, Status: t.Status.String(),
		SourceConnectionState:      connStateShape(t.Source),
		DestinationConnectionState: connStateShape(t.Destination),
		Description:                t.Description,
		TimeoutConfig:              timeoutConfigShape{MaxLifetimeTimeoutMinutes: &lifetime},
		Tags:                       tagShapes(t.Tags),
		CreatedAt:                  epochTime(t.CreatedAt),
		LastUpdatedAt:              epochTime(t.LastUpdatedAt),
	}
	if len(t.Services) > 0 {
		s.DestinationConfig = &destinationConfigShape{Services: t.Services}
		if t.ThingName != "" {
			s.DestinationConfig.ThingName = &t.ThingName
		}
	}
	return s
}

func connStateShape(c tunnel.ConnState) connectionStateShape {
	s := connectionStateShape{Status: "DISCONNECTED", LastUpdatedAt: epochTime(c.LastUpdatedAt)}
	if c.Connected {
		s.Status = "CONNECTED"
	}
	return s
}
