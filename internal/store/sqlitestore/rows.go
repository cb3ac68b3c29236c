package sqlitestore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// tunnelColumns are the columns tunnelRow scans, in its order.
const tunnelColumns = `t.id, t.arn, t.description, t.thing_name, t.services,
	t.lifetime_minutes, t.created_at, t.last_updated_at, t.expires_at, t.closed_at,
	t.src_connected, t.src_updated_at, t.dst_connected, t.dst_updated_at`

// selectTunnel reads one tunnel with its tags in one row: the tags as a
// JSON array of [key, value] pairs, NULL when there are none.
const selectTunnel = `SELECT ` + tunnelColumns + `,
	(SELECT json_group_array(json_array(key, value)) FROM tags
		WHERE tunnel_id = t.id HAVING count(*) > 0)
	FROM tunnels t WHERE t.id = ?`

// tunnelRow is one scanned row of tunnelColumns.
type tunnelRow struct {
	id, arn, description       string
	thingName, services        sql.NullString
	lifetime                   int
	created, updated, expires  int64
	closed                     sql.NullInt64
	srcConnected, dstConnected bool
	srcUpdated, dstUpdated     int64
}

func (r *tunnelRow) dest(extra ...any) []any {
	return append([]any{&r.id, &r.arn, &r.description, &r.thingName, &r.services,
		&r.lifetime, &r.created, &r.updated, &r.expires, &r.closed,
		&r.srcConnected, &r.srcUpdated, &r.dstConnected, &r.dstUpdated}, extra...)
}

func (r *tunnelRow) tunnel() (tunnel.Tunnel, error) {
	t := tunnel.Tunnel{
		ID:              r.id,
		ARN:             r.arn,
		Status:          tunnel.StatusOpen,
		Description:     r.description,
		ThingName:       r.thingName.String,
		LifetimeMinutes: r.lifetime,
		CreatedAt:       fromMillis(r.created),
		LastUpdatedAt:   fromMillis(r.updated),
		ExpiresAt:       fromMillis(r.expires),
		Source:          tunnel.ConnState{Connected: r.srcConnected, LastUpdatedAt: fromMillis(r.srcUpdated)},
		Destination:     tunnel.ConnState{Connected: r.dstConnected, LastUpdatedAt: fromMillis(r.dstUpdated)},
	}
	if r.closed.Valid {
		t.Status = tunnel.StatusClosed
		t.ClosedAt = fromMillis(r.closed.Int64)
	}
	if r.services.Valid {
		if err := json.Unmarshal([]byte(r.services.String), &t.Services); err != nil {
			return tunnel.Tunnel{}, fmt.Errorf("decode services of tunnel %s: %w", r.id, err)
		}
	}
	return t, nil
}

// scanTunnel reads the row of selectTunnel for id.
func scanTunnel(row *sql.Row, id string) (tunnel.Tunnel, error) {
	var (
		r    tunnelRow
		tags sql.NullString
	)
	if err := row.Scan(r.dest(&tags)...); errors.Is(err, sql.ErrNoRows) {
		return tunnel.Tunnel{}, fmt.Errorf("tunnel %s: %w", id, store.ErrNotFound)
	} else if err != nil {
		return tunnel.Tunnel{}, err
	}
	t, err := r.tunnel()
	if err != nil || !tags.Valid {
		return t, err
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(tags.String), &pairs); err != nil {
		return tunnel.Tunnel{}, fmt.Errorf("decode tags of tunnel %s: %w", id, err)
	}
	t.Tags = make([]tunnel.Tag, len(pairs))
	for i, p := range pairs {
		t.Tags[i] = tunnel.Tag{Key: p[0], Value: p[1]}
	}
	slices.SortFunc(t.Tags, func(a, b tunnel.Tag) int { return strings.Compare(a.Key, b.Key) })
	return t, nil
}

// millis converts t to stored Unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts stored Unix milliseconds to a UTC time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullString stores "" as NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// encodeServices stores an empty service list as NULL.
func encodeServices(services []string) (sql.NullString, error) {
	if len(services) == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(services)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// modeName is the stored spelling of a client mode.
func modeName(m tunnel.Mode) (string, error) {
	switch m {
	case tunnel.ModeSource, tunnel.ModeDestination:
		return m.String(), nil
	}
	return "", fmt.Errorf("invalid client mode %d", int(m))
}
