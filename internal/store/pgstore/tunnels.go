package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

const (
	insertTokens = `INSERT INTO tokens (hash, tunnel_id, mode)
		SELECT h, $1, m FROM unnest($2::bytea[], $3::text[]) AS x (h, m)`
	selectTunnel = `SELECT ` + tunnelColumnsTags + ` FROM tunnels t WHERE t.id = $1`
	deleteTunnel = `DELETE FROM tunnels WHERE id = $1`
)

// Tunnel returns the tunnel with that id, tags included, in one query.
func (s *Store) Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error) {
	t, err := scanTunnel(s.queryRow(ctx, selectTunnel, id), id)
	if errors.Is(err, store.ErrNotFound) {
		return tunnel.Tunnel{}, err
	}
	return t, wrap("get tunnel "+id, err)
}

// listQuery returns the ListTunnels statement for variant v: bit 0 filters
// by thing name, bit 1 starts after a cursor. Arguments: thing name (bit 0),
// cursor created_at and id (bit 1), limit.
func listQuery(v int) string {
	var (
		conds []string
		n     int
	)
	arg := func() string { n++; return fmt.Sprintf("$%d", n) }
	if v&1 != 0 {
		conds = append(conds, "t.thing_name = "+arg())
	}
	if v&2 != 0 {
		conds = append(conds, fmt.Sprintf("(t.created_at, t.id) < (%s, %s)", arg(), arg()))
	}
	q := `SELECT ` + tunnelColumns + ` FROM tunnels t`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	return q + ` ORDER BY t.created_at DESC, t.id DESC LIMIT ` + arg()
}

// listQueries are the four variants of listQuery.
var listQueries = [4]string{listQuery(0), listQuery(1), listQuery(2), listQuery(3)}

// ListTunnels returns one page of tunnels, newest first, without tags.
func (s *Store) ListTunnels(ctx context.Context, q store.ListQuery) ([]tunnel.Tunnel, error) {
	if q.Limit < 1 {
		return nil, fmt.Errorf("list tunnels: limit %d, want at least 1", q.Limit)
	}
	var (
		v    int
		args []any
	)
	if q.ThingName != "" {
		v |= 1
		args = append(args, q.ThingName)
	}
	if q.After != nil {
		v |= 2
		args = append(args, ms(q.After.CreatedAt), q.After.ID)
	}
	out, err := collect(ctx, s, listQueries[v], append(args, q.Limit), func(row pgx.CollectableRow) (tunnel.Tunnel, error) {
		var r tunnelRow
		err := row.Scan(r.dest(false)...)
		return r.tunnel(), err
	})
	if err != nil {
		return nil, wrap("list tunnels", err)
	}
	if out == nil {
		out = []tunnel.Tunnel{}
	}
	return out, nil
}

// DeleteTunnel removes a tunnel; its tokens go with it (the delete
// trigger, migrations/0003_tokens_no_fk.sql) and so does its owner (ON
// DELETE CASCADE).
func (s *Store) DeleteTunnel(ctx context.Context, id string) error {
	tag, err := s.exec(ctx, deleteTunnel, id)
	if err != nil {
		return wrap("delete tunnel "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete tunnel %s: %w", id, store.ErrNotFound)
	}
	return nil
}
