package sqlitestore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// tunnelColumns are the columns tunnelRow scans, in its order.
const tunnelColumns = `t.id, t.arn, t.description, t.thing_name, t.services,
	t.lifetime_minutes, t.created_at, t.last_updated_at, t.expires_at, t.closed_at,
	t.src_connected, t.src_updated_at, t.dst_connected, t.dst_updated_at`

// selectTunnel reads one tunnel with its tags (one row per tag, at least
// one row), tags in key order.
const selectTunnel = `SELECT ` + tunnelColumns + `, g.key, g.value
	FROM tunnels t LEFT JOIN tags g ON g.tunnel_id = t.id
	WHERE t.id = ? ORDER BY g.key`

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

// scanTunnel reads the rows of selectTunnel for id.
func scanTunnel(rows *sql.Rows, id string) (tunnel.Tunnel, error) {
	defer rows.Close()
	var (
		r     tunnelRow
		t     tunnel.Tunnel
		found bool
	)
	for rows.Next() {
		var key, value sql.NullString
		if err := rows.Scan(r.dest(&key, &value)...); err != nil {
			return tunnel.Tunnel{}, err
		}
		if !found {
			var err error
			if t, err = r.tunnel(); err != nil {
				return tunnel.Tunnel{}, err
			}
			found = true
		}
		if key.Valid {
			t.Tags = append(t.Tags, tunnel.Tag{Key: key.String, Value: value.String})
		}
	}
	if err := rows.Err(); err != nil {
		return tunnel.Tunnel{}, err
	}
	if !found {
		return tunnel.Tunnel{}, fmt.Errorf("tunnel %s: %w", id, store.ErrNotFound)
	}
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
