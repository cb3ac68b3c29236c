package api

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// The IAM actions of the operations, as AWS names them.
const (
	actOpen       = "iot:OpenTunnel"
	actClose      = "iot:CloseTunnel"
	actDescribe   = "iot:DescribeTunnel"
	actList       = "iot:ListTunnels"
	actRotate     = "iot:RotateTunnelAccessToken"
	actTag        = "iot:TagResource"
	actUntag      = "iot:UntagResource"
	actListTags   = "iot:ListTagsForResource"
	keyDestSvc    = "iot:tunneldestinationservice"
	keyClientMode = "iot:clientmode"
	keyDelete     = "iot:delete"
)

// The access each operation needs, with the resources and condition keys
// AWS documents for it (docs/PROTOCOL.md §1.10). Calls on a
// tunnel look it up first for its aws:ResourceTag keys; a tunnel that does
// not exist has none, and its ResourceNotFoundException comes only after
// the call is allowed.

func (h *Handler) authorizeOpen(ctx context.Context, in *openTunnelInput) error {
	in.id = tunnel.NewID()
	keys := map[string][]string{}
	tagKeys(keys, in.Tags)
	var thing string
	if dc := in.DestinationConfig; dc != nil {
		keys[keyDestSvc] = dc.Services
		if dc.ThingName != nil {
			thing = *dc.ThingName
		}
	}
	needs := []access{{actOpen, tunnel.ARN(h.cfg.Partition, h.cfg.Region, h.cfg.AccountID, in.id), keys}}
	if thing != "" {
		needs = append(needs, access{actOpen, h.thingARN(thing), keys})
	}
	return h.authorize(ctx, needs)
}

func (h *Handler) authorizeClose(ctx context.Context, in *closeTunnelInput) error {
	del := in.Delete != nil && *in.Delete
	return h.authorizeTunnel(ctx, actClose, *in.TunnelID, map[string][]string{keyDelete: {strconv.FormatBool(del)}})
}

func (h *Handler) authorizeDescribe(ctx context.Context, in *describeTunnelInput) error {
	return h.authorizeTunnel(ctx, actDescribe, *in.TunnelID, nil)
}

func (h *Handler) authorizeRotate(ctx context.Context, in *rotateInput) error {
	if !h.policiesOn(ctx) {
		return nil
	}
	t, err := h.resourceOf(ctx, *in.TunnelID)
	if err != nil {
		return err
	}
	keys := resourceTagKeys(t.Tags)
	keys[keyClientMode] = []string{*in.ClientMode}
	keys[keyDestSvc] = t.Services
	thing := t.ThingName
	if dc := in.DestinationConfig; dc != nil {
		keys[keyDestSvc] = dc.Services
		if dc.ThingName != nil {
			thing = *dc.ThingName
		}
	}
	needs := []access{{actRotate, h.arnOf(t, *in.TunnelID), keys}}
	if thing != "" {
		needs = append(needs, access{actRotate, h.thingARN(thing), keys})
	}
	return h.authorize(ctx, needs)
}

func (h *Handler) authorizeTag(ctx context.Context, in *tagResourceInput) error {
	keys := map[string][]string{}
	tagKeys(keys, in.Tags)
	return h.authorizeARN(ctx, actTag, *in.ResourceARN, keys)
}

func (h *Handler) authorizeUntag(ctx context.Context, in *untagResourceInput) error {
	return h.authorizeARN(ctx, actUntag, *in.ResourceARN, map[string][]string{"aws:tagkeys": in.TagKeys})
}

func (h *Handler) authorizeListTags(ctx context.Context, in *listTagsInput) error {
	return h.authorizeARN(ctx, actListTags, *in.ResourceARN, nil)
}

// authorizeARN authorizes an action on the tunnel named by a resource ARN
// (the ARN as given is the resource).
func (h *Handler) authorizeARN(ctx context.Context, action, arn string, keys map[string][]string) error {
	if !h.policiesOn(ctx) {
		return nil
	}
	var tags []tunnel.Tag
	if id, ok := tunnel.IDFromARN(arn); ok && isTunnelID(id) {
		t, err := h.resourceOf(ctx, id)
		if err != nil {
			return err
		}
		if t.ARN == arn {
			tags = t.Tags
		}
	}
	return h.authorize(ctx, []access{{action, arn, merge(resourceTagKeys(tags), keys)}})
}

// authorizeTunnel authorizes an action on the tunnel with this id.
func (h *Handler) authorizeTunnel(ctx context.Context, action, id string, keys map[string][]string) error {
	if !h.policiesOn(ctx) {
		return nil
	}
	t, err := h.resourceOf(ctx, id)
	if err != nil {
		return err
	}
	return h.authorize(ctx, []access{{action, h.arnOf(t, id), merge(resourceTagKeys(t.Tags), keys)}})
}

// policiesOn reports whether calls on ctx are subject to policies.
func (h *Handler) policiesOn(ctx context.Context) bool {
	return h.cfg.Authorizer != nil && h.cfg.Authorizer.Enforcing() && callerFrom(ctx) != nil
}

// resourceOf loads a tunnel for its tags; a missing tunnel is the zero
// Tunnel (no tags), other store errors fail the call.
func (h *Handler) resourceOf(ctx context.Context, id string) (tunnel.Tunnel, error) {
	t, err := h.cfg.Store.Tunnel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return tunnel.Tunnel{}, nil
	}
	if err != nil && !errors.Is(err, store.ErrClosed) {
		return t, err
	}
	if err == nil {
		if c := callerFrom(ctx); c != nil {
			c.read = &t
		}
	}
	return t, nil
}

// tunnelRead returns tunnel id as the call's authorization read it, or
// reads it from the store: a read-only operation then answers from the
// same read its policy decision saw, and reads the store once.
func (h *Handler) tunnelRead(ctx context.Context, id string) (tunnel.Tunnel, error) {
	if c := callerFrom(ctx); c != nil && c.read != nil && c.read.ID == id {
		return *c.read, nil
	}
	return h.cfg.Store.Tunnel(ctx, id)
}

// arnOf is the tunnel's ARN, or the ARN it would have when it does not
// exist.
func (h *Handler) arnOf(t tunnel.Tunnel, id string) string {
	if t.ARN != "" {
		return t.ARN
	}
	return tunnel.ARN(h.cfg.Partition, h.cfg.Region, h.cfg.AccountID, id)
}

// resourceTagKeys sets aws:ResourceTag/<key> for a tunnel's tags.
func resourceTagKeys(tags []tunnel.Tag) map[string][]string {
	keys := make(map[string][]string, len(tags)+2)
	for _, t := range tags {
		keys["aws:resourcetag/"+strings.ToLower(t.Key)] = []string{t.Value}
	}
	return keys
}

func merge(into, from map[string][]string) map[string][]string {
	for k, v := range from {
		into[k] = v
	}
	return into
}

// listFilter decides which tunnels a ListTunnels caller sees (D20). As on AWS,
// iot:ListTunnels allowed on the wildcard tunnel ARN lists every tunnel.
// Beyond AWS, a policy may allow it on particular tunnel ARNs or under
// aws:ResourceTag conditions: the caller then sees just the tunnels it
// allows (AWS would refuse the call). An explicit deny for a tunnel hides
// it; a caller with no Allow for the action at all is refused. The store
// lists tunnels without tags, so each listed tunnel's tags are read for its
// aws:ResourceTag keys.
func (h *Handler) listFilter(ctx context.Context) (visibleFunc, error) {
	if !h.policiesOn(ctx) {
		return nil, nil
	}
	c := callerFrom(ctx)
	wild := h.decide(c, access{actList, h.tunnelWildcardARN(), nil})
	if wild == ExplicitDeny || wild == ImplicitDeny && !h.cfg.Authorizer.MayAllow(c.Identity, actList) {
		return nil, denied(c.Identity, actList, h.tunnelWildcardARN(), wild)
	}
	return func(t tunnel.Tunnel) (bool, error) {
		full, err := h.resourceOf(ctx, t.ID)
		if err != nil {
			return false, err
		}
		d := h.decide(c, access{actList, t.ARN, resourceTagKeys(full.Tags)})
		return d == Allow || wild == Allow && d != ExplicitDeny, nil
	}, nil
}

// visibleFunc reports whether a listed tunnel is shown to the caller.
type visibleFunc func(tunnel.Tunnel) (bool, error)

func (in *openTunnelInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeOpen(ctx, in)
}

func (in *closeTunnelInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeClose(ctx, in)
}

func (in *describeTunnelInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeDescribe(ctx, in)
}

// authorize of ListTunnels happens in listTunnels, which filters tunnel by
// tunnel (listFilter).
func (in *listTunnelsInput) authorize(h *Handler, ctx context.Context) error { return nil }

func (in *rotateInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeRotate(ctx, in)
}

func (in *tagResourceInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeTag(ctx, in)
}

func (in *untagResourceInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeUntag(ctx, in)
}

func (in *listTagsInput) authorize(h *Handler, ctx context.Context) error {
	return h.authorizeListTags(ctx, in)
}
