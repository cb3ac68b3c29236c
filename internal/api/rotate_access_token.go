package api

import (
	"context"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Model values of ClientMode.
const (
	clientModeSource      = "SOURCE"
	clientModeDestination = "DESTINATION"
	clientModeAll         = "ALL"
)

func (in *rotateInput) validate() error {
	var v violations
	v.tunnelID(in.TunnelID)
	if required(&v, "clientMode", in.ClientMode) && modesOf(*in.ClientMode) == nil {
		v.add("clientMode", quote(*in.ClientMode), "Member must satisfy enum value set: [SOURCE, DESTINATION, ALL]")
	}
	if in.DestinationConfig != nil {
		v.destinationConfig("destinationConfig", in.DestinationConfig)
	}
	if err := v.err(); err != nil {
		return err
	}
	if *in.ClientMode == clientModeSource && in.DestinationConfig != nil {
		return newError(codeValidation, "cannot use destinationConfig with clientMode SOURCE")
	}
	return nil
}

// modesOf returns the modes a ClientMode rotates, nil if it is unknown.
func modesOf(clientMode string) []tunnel.Mode {
	switch clientMode {
	case clientModeSource:
		return []tunnel.Mode{tunnel.ModeSource}
	case clientModeDestination:
		return []tunnel.Mode{tunnel.ModeDestination}
	case clientModeAll:
		return tunnel.Modes[:]
	}
	return nil
}

// rotateAccessToken replaces the tokens of the chosen modes (§1.8, D8,
// D9): the old ones stop working and their connections are closed. A
// destinationConfig must repeat the tunnel's services; its thingName
// replaces the stored one and receives the new destination token.
func (h *Handler) rotateAccessToken(ctx context.Context, in *rotateInput) (*rotateOutput, error) {
	id := *in.TunnelID
	t, err := h.tunnelRead(ctx, id)
	if err != nil {
		return nil, fromStore(err, id)
	}
	now := h.now()
	if !t.Open(now) {
		return nil, fromStore(store.ErrClosed, id)
	}
	var thing *string
	if dc := in.DestinationConfig; dc != nil {
		if !sameSet(dc.Services, t.Services) {
			return nil, newError(codeValidation, "destinationConfig.services must equal the services of tunnel %s %s",
				id, renderList(t.Services))
		}
		thing = dc.ThingName
	}
	out, tokens := &rotateOutput{}, make([]store.Token, 0, len(tunnel.Modes))
	for _, m := range modesOf(*in.ClientMode) {
		tok := tunnel.NewToken()
		tokens = append(tokens, store.Token{Hash: tunnel.HashToken(tok), Mode: m})
		if m == tunnel.ModeSource {
			out.SourceAccessToken = tok
		} else {
			out.DestinationAccessToken = tok
		}
	}
	if t, err = h.cfg.Store.RotateTokens(ctx, id, tokens, thing, now); err != nil {
		return nil, fromStore(err, id)
	}
	out.TunnelARN = t.ARN
	h.log.Info("access tokens rotated", "tunnel_id", id, "mode", *in.ClientMode)
	for _, tok := range tokens {
		if h.cfg.Peers != nil {
			h.cfg.Peers.Revoke(id, tok.Mode)
		}
	}
	if thing != nil && out.DestinationAccessToken != "" {
		h.notify(ctx, id, notifymsg.Notification{ThingName: *thing, Region: h.cfg.Region,
			Token: out.DestinationAccessToken, Services: t.Services})
	}
	return out, nil
}

// sameSet reports whether a and b hold the same strings; a has no
// duplicates (validated).
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	for _, s := range a {
		if !in[s] {
			return false
		}
	}
	return true
}
