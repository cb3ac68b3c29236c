package api

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// defaultMaxResults is the ListTunnels page size when maxResults is
// omitted (D11).
const defaultMaxResults = 100

// cursorMagic starts every nextToken this service issues (after base64url
// decoding): "adl" and a format version. Tokens without it are foreign.
var cursorMagic = []byte{'a', 'd', 'l', 1}

func (in *listTunnelsInput) validate() error {
	var v violations
	v.thingName("thingName", in.ThingName)
	if in.MaxResults != nil {
		v.intRange("maxResults", *in.MaxResults, 1, maxResultsMax)
	}
	if in.NextToken != nil {
		n := len(v)
		v.str("nextToken", *in.NextToken, 0, 0, patNextToken, isNextToken)
		if len(v) == n {
			c, ok := decodeCursor(*in.NextToken)
			if !ok {
				v.add("nextToken", quote(*in.NextToken), "Member must be a nextToken returned by ListTunnels")
			}
			in.after = c
		}
	}
	return v.err()
}

// listTunnels returns one page, newest first. It asks the store for one
// tunnel more than the page holds to learn whether another page exists;
// the cursor is the position of the page's last tunnel, so inserts between
// calls cause neither duplicates nor gaps. Under policies, tunnels the
// caller may not list are skipped (listFilter): the store is read in
// batches until the page is full, the tunnels run out, or maxScanPages
// batches were read, and the cursor then points after the last tunnel
// read.
func (h *Handler) listTunnels(ctx context.Context, in *listTunnelsInput) (*listTunnelsOutput, error) {
	visible, err := h.listFilter(ctx)
	if err != nil {
		return nil, err
	}
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	q := store.ListQuery{Limit: limit + 1, After: in.after}
	if in.ThingName != nil {
		q.ThingName = *in.ThingName
	}
	var page []tunnel.Tunnel
	var next *store.Cursor
	for scans := 0; len(page) < limit && scans < maxScanPages; scans++ {
		ts, err := h.cfg.Store.ListTunnels(ctx, q)
		if err != nil {
			return nil, fromStore(err, "")
		}
		page, next, err = appendVisible(page, ts, limit, visible)
		if err != nil {
			return nil, fromStore(err, "")
		}
		if next == nil || len(ts) <= limit {
			break
		}
		q.After = next
	}
	return h.listOutput(page, next), nil
}

// maxScanPages bounds the store reads of one filtered ListTunnels call.
const maxScanPages = 10

// appendVisible adds the visible tunnels of one store batch (read with
// Limit limit+1) to page, up to limit, and returns the cursor to continue
// after the last tunnel it looked at, or nil when the store has no more.
func appendVisible(page, ts []tunnel.Tunnel, limit int, visible visibleFunc) ([]tunnel.Tunnel, *store.Cursor, error) {
	for i, t := range ts {
		if len(page) == limit {
			prev := ts[i-1]
			return page, &store.Cursor{CreatedAt: prev.CreatedAt, ID: prev.ID}, nil
		}
		show := true
		if visible != nil {
			var err error
			if show, err = visible(t); err != nil {
				return nil, nil, err
			}
		}
		if show {
			page = append(page, t)
		}
	}
	if len(ts) <= limit {
		return page, nil, nil
	}
	last := ts[len(ts)-1]
	return page, &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}, nil
}

func (h *Handler) listOutput(page []tunnel.Tunnel, next *store.Cursor) *listTunnelsOutput {
	out := &listTunnelsOutput{TunnelSummaries: make([]tunnelSummaryShape, 0, len(page))}
	if next != nil {
		out.NextToken = encodeCursor(*next)
	}
	now := h.now()
	for _, t := range page {
		t = seenAt(t, now)
		out.TunnelSummaries = append(out.TunnelSummaries, tunnelSummaryShape{
			TunnelID: t.ID, TunnelARN: t.ARN, Status: t.Status.String(), Description: t.Description,
			CreatedAt: epochTime(t.CreatedAt), LastUpdatedAt: epochTime(t.LastUpdatedAt),
		})
	}
	return out
}

// encodeCursor renders a position as an opaque nextToken: base64url
// (unpadded, so it matches the model pattern) of cursorMagic, the
// big-endian creation time in Unix milliseconds and the tunnel id.
func encodeCursor(c store.Cursor) string {
	b := append([]byte(nil), cursorMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.CreatedAt.UnixMilli()))
	b = append(b, c.ID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a nextToken made by encodeCursor; anything else is
// not ok.
func decodeCursor(s string) (*store.Cursor, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	n := len(cursorMagic)
	if err != nil || len(b) <= n+8 || string(b[:n]) != string(cursorMagic) {
		return nil, false
	}
	ms := int64(binary.BigEndian.Uint64(b[n:]))
	id := string(b[n+8:])
	if ms < 0 || !isTunnelID(id) {
		return nil, false
	}
	return &store.Cursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: id}, true
}
