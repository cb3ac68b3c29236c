package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
)

const (
	heartbeat = `INSERT INTO nodes (id, addr, embedded_broker, lease_until)
		VALUES ($1, $2, $3, now() + $4::bigint * interval '1 microsecond')
		ON CONFLICT (id) DO UPDATE SET addr = excluded.addr,
		embedded_broker = excluded.embedded_broker, lease_until = excluded.lease_until`
	leave = `WITH released AS (DELETE FROM tunnel_owners WHERE node_id = $1)
		DELETE FROM nodes WHERE id = $1`
	selectNodes = `SELECT id, addr, embedded_broker, lease_until FROM nodes
		WHERE lease_until > now() ORDER BY id`
	// selectOwned lists the open tunnels node $1 owns.
	selectOwned = `SELECT o.tunnel_id FROM tunnel_owners o JOIN tunnels t ON t.id = o.tunnel_id
		WHERE o.node_id = $1 AND t.closed_at IS NULL ORDER BY o.tunnel_id`
	// reapDead removes the nodes whose lease ran out more than $1
	// microseconds ago, releases their tunnels and those of owners without
	// a node row, and marks the released tunnels' connected modes
	// disconnected at $2.
	reapDead = `WITH dead AS (
			DELETE FROM nodes WHERE lease_until < now() - $1::bigint * interval '1 microsecond' RETURNING id),
		released AS (
			DELETE FROM tunnel_owners o WHERE o.node_id IN (SELECT id FROM dead)
			OR NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = o.node_id)
			RETURNING o.tunnel_id),
		disconnected AS (
			UPDATE tunnels t SET last_updated_at = $2,
			src_updated_at = CASE WHEN src_connected THEN $2 ELSE src_updated_at END, src_connected = false,
			dst_updated_at = CASE WHEN dst_connected THEN $2 ELSE dst_updated_at END, dst_connected = false
			FROM released r WHERE t.id = r.tunnel_id AND (t.src_connected OR t.dst_connected))
		SELECT tunnel_id FROM released ORDER BY tunnel_id`
)

// Heartbeat registers node n, or renews its registration, with a lease
// that ends lease after the database's now(), on a connection of its own.
func (s *Store) Heartbeat(ctx context.Context, n store.Node, lease time.Duration) error {
	if n.ID == "" || lease <= 0 {
		return fmt.Errorf("heartbeat: want a node id and a positive lease, got %q, %v", n.ID, lease)
	}
	err := s.do(ctx, func(ctx context.Context) error {
		_, err := s.lease.Exec(ctx, heartbeat, n.ID, n.Addr, n.EmbeddedBroker, lease.Microseconds())
		return err
	})
	return wrap("heartbeat of node "+n.ID, err)
}

// Leave removes node id and releases the tunnels it owns, in one
// statement. Leaving twice is not an error.
func (s *Store) Leave(ctx context.Context, id string) error {
	_, err := s.exec(ctx, leave, id)
	return wrap("leave node "+id, err)
}

// Nodes returns the nodes whose lease has not run out, by id.
func (s *Store) Nodes(ctx context.Context) ([]store.Node, error) {
	nodes, err := collect(ctx, s, selectNodes, nil, scanNode)
	return nodes, wrap("list nodes", err)
}

// scanNode reads id, addr, embedded_broker, lease_until.
func scanNode(row pgx.CollectableRow) (store.Node, error) {
	var n store.Node
	err := row.Scan(&n.ID, &n.Addr, &n.EmbeddedBroker, &n.LeaseUntil)
	n.LeaseUntil = n.LeaseUntil.UTC()
	return n, err
}

// Owned returns the ids of the open tunnels node nodeID owns, sorted.
func (s *Store) Owned(ctx context.Context, nodeID string) ([]string, error) {
	ids, err := collect(ctx, s, selectOwned, []any{nodeID}, pgx.RowTo[string])
	return ids, wrap("owned tunnels of node "+nodeID, err)
}

// ReapDead releases the tunnels owned by nodes whose lease ran out more
// than grace ago (and by owners whose node row is gone), marks their
// connected modes disconnected at time at, removes those nodes and returns
// the released tunnel ids, sorted. It is one statement.
func (s *Store) ReapDead(ctx context.Context, grace time.Duration, at time.Time) ([]string, error) {
	ids, err := collect(ctx, s, reapDead, []any{max(grace, 0).Microseconds(), ms(at)}, pgx.RowTo[string])
	return ids, wrap("reap dead nodes", err)
}
