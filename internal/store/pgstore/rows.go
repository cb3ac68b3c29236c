package pgstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// tunnelColumns are the columns tunnelRow scans, in its order; tags come
// last so that ListTunnels can leave them out.
const tunnelColumns = `t.id, t.arn, t.description, t.thing_name, t.services,
	t.lifetime_minutes, t.created_at, t.last_updated_at, t.expires_at, t.closed_at,
	t.src_connected, t.src_updated_at, t.dst_connected, t.dst_updated_at`

// tunnelColumnsTags are tunnelColumns and the tags.
const tunnelColumnsTags = tunnelColumns + `, t.tags`

// tunnelRow is one scanned row of tunnelColumns (and tags).
type tunnelRow struct {
	id, arn, description       string
	thingName                  *string
	services                   []string
	lifetime                   int
	created, updated, expires  time.Time
	closed                     *time.Time
	srcConnected, dstConnected bool
	srcUpdated, dstUpdated     time.Time
	tags                       map[string]string
}

// dest returns the scan destinations of tunnelColumns, and of the tags
// when withTags is set.
func (r *tunnelRow) dest(withTags bool) []any {
	d := []any{&r.id, &r.arn, &r.description, &r.thingName, &r.services,
		&r.lifetime, &r.created, &r.updated, &r.expires, &r.closed,
		&r.srcConnected, &r.srcUpdated, &r.dstConnected, &r.dstUpdated}
	if withTags {
		d = append(d, &r.tags)
	}
	return d
}

// tunnel converts the row, with its tags sorted by key.
func (r *tunnelRow) tunnel() tunnel.Tunnel {
	t := tunnel.Tunnel{
		ID:              r.id,
		ARN:             r.arn,
		Status:          tunnel.StatusOpen,
		Description:     r.description,
		LifetimeMinutes: r.lifetime,
		Services:        r.services,
		CreatedAt:       r.created.UTC(),
		LastUpdatedAt:   r.updated.UTC(),
		ExpiresAt:       r.expires.UTC(),
		Source:          tunnel.ConnState{Connected: r.srcConnected, LastUpdatedAt: r.srcUpdated.UTC()},
		Destination:     tunnel.ConnState{Connected: r.dstConnected, LastUpdatedAt: r.dstUpdated.UTC()},
	}
	if r.thingName != nil {
		t.ThingName = *r.thingName
	}
	if r.closed != nil {
		t.Status = tunnel.StatusClosed
		t.ClosedAt = r.closed.UTC()
	}
	if len(r.tags) > 0 {
		t.Tags = make([]tunnel.Tag, 0, len(r.tags))
		for k, v := range r.tags {
			t.Tags = append(t.Tags, tunnel.Tag{Key: k, Value: v})
		}
		slices.SortFunc(t.Tags, func(a, b tunnel.Tag) int { return strings.Compare(a.Key, b.Key) })
	}
	return t
}

// scanTunnel reads one row of tunnelColumnsTags; no row is ErrNotFound.
func scanTunnel(row pgx.Row, id string) (tunnel.Tunnel, error) {
	var r tunnelRow
	if err := row.Scan(r.dest(true)...); errNoRows(err) {
		return tunnel.Tunnel{}, fmt.Errorf("tunnel %s: %w", id, store.ErrNotFound)
	} else if err != nil {
		return tunnel.Tunnel{}, err
	}
	return r.tunnel(), nil
}

// ms truncates t to the millisecond precision the store keeps.
func ms(t time.Time) time.Time { return tunnel.Truncate(t) }

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullServices stores an empty service list as NULL.
func nullServices(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// tagMap returns tags as the stored jsonb object; a later tag overwrites
// an earlier one with the same key.
func tagMap(tags []tunnel.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, g := range tags {
		m[g.Key] = g.Value
	}
	return m
}

// tokenArrays splits tokens into the hash and mode arrays that
// insertTokens unnests, rejecting invalid modes and two tokens for one
// mode.
func tokenArrays(tokens []store.Token) (hashes [][]byte, modes []string, err error) {
	var seen [3]bool
	for _, k := range tokens {
		if k.Mode != tunnel.ModeSource && k.Mode != tunnel.ModeDestination {
			return nil, nil, fmt.Errorf("invalid client mode %d", int(k.Mode))
		}
		if seen[k.Mode] {
			return nil, nil, fmt.Errorf("two tokens for mode %v", k.Mode)
		}
		seen[k.Mode] = true
		hashes = append(hashes, k.Hash[:])
		modes = append(modes, k.Mode.String())
	}
	return hashes, modes, nil
}
