package api

import (
	"context"

	"github.com/adit-project/adit/internal/tunnel"
)

func (in *tagResourceInput) validate() error {
	var v violations
	v.resourceARN(in.ResourceARN)
	if in.Tags == nil {
		v.null("tags")
	} else {
		v.tags("tags", in.Tags)
	}
	return v.err()
}

func (in *untagResourceInput) validate() error {
	var v violations
	v.resourceARN(in.ResourceARN)
	if in.TagKeys == nil {
		v.null("tagKeys")
	}
	v.listLen("tagKeys", len(in.TagKeys), 0, maxTagsPerCall, func() string { return renderList(in.TagKeys) })
	for i, k := range in.TagKeys {
		v.tagKey(member("tagKeys", i), k)
	}
	return v.err()
}

func (in *listTagsInput) validate() error {
	var v violations
	v.resourceARN(in.ResourceARN)
	return v.err()
}

// tagResource adds tags, overwriting values of existing keys. More than
// Config.MaxTags in total fails with LimitExceededException (see
// tooManyTags for why that code).
func (h *Handler) tagResource(ctx context.Context, in *tagResourceInput) (*tagResourceOutput, error) {
	t, err := h.tunnelByARN(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := tagsFrom(in.Tags)
	if len(tags) > h.cfg.MaxTags {
		return nil, tooManyTags(h.cfg.MaxTags)
	}
	if err := h.cfg.Store.TagTunnel(ctx, t.ID, tags, h.cfg.MaxTags, h.now()); err != nil {
		return nil, fromStore(err, t.ID)
	}
	return &tagResourceOutput{}, nil
}

// untagResource removes tags by key; absent keys are ignored.
func (h *Handler) untagResource(ctx context.Context, in *untagResourceInput) (*untagResourceOutput, error) {
	t, err := h.tunnelByARN(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) > 0 {
		if err := h.cfg.Store.UntagTunnel(ctx, t.ID, in.TagKeys, h.now()); err != nil {
			return nil, fromStore(err, t.ID)
		}
	}
	return &untagResourceOutput{}, nil
}

// listTagsForResource returns the tunnel's tags (an empty list when none).
func (h *Handler) listTagsForResource(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	t, err := h.tunnelByARN(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := tagShapes(t.Tags)
	if tags == nil {
		tags = []tagShape{}
	}
	return &listTagsOutput{Tags: tags}, nil
}

// tunnelByARN finds the tunnel whose ARN is exactly arn (D17), or fails
// with ResourceNotFoundException.
func (h *Handler) tunnelByARN(ctx context.Context, arn string) (tunnel.Tunnel, error) {
	id, ok := tunnel.IDFromARN(arn)
	if !ok || !isTunnelID(id) {
		return tunnel.Tunnel{}, newError(codeResourceNotFound, "resource %s not found", quote(arn))
	}
	t, err := h.tunnelRead(ctx, id)
	if err != nil {
		return t, fromStore(err, id)
	}
	if t.ARN != arn {
		return t, newError(codeResourceNotFound, "resource %s not found", quote(arn))
	}
	return t, nil
}

// tagsFrom converts validated request tags; for a key given twice the last
// value wins, as if the tags were applied in order.
func tagsFrom(in []tagShape) []tunnel.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]tunnel.Tag, 0, len(in))
	at := make(map[string]int, len(in))
	for _, t := range in {
		if i, ok := at[*t.Key]; ok {
			out[i].Value = *t.Value
			continue
		}
		at[*t.Key] = len(out)
		out = append(out, tunnel.Tag{Key: *t.Key, Value: *t.Value})
	}
	return out
}

// tagShapes renders stored tags; nil when there are none.
func tagShapes(tags []tunnel.Tag) []tagShape {
	if len(tags) == 0 {
		return nil
	}
	out := make([]tagShape, len(tags))
	for i, t := range tags {
		out[i] = tagShape{Key: &t.Key, Value: &t.Value}
	}
	return out
}
