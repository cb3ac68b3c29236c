package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// exec runs one statement on the pool through do.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		tag, err = s.pool.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

// queryRow returns a row whose Scan runs the query on the pool through do.
func (s *Store) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return poolRow{s: s, ctx: ctx, sql: sql, args: args}
}

// poolRow is the lazy row of queryRow.
type poolRow struct {
	s    *Store
	ctx  context.Context
	sql  string
	args []any
}

func (r poolRow) Scan(dest ...any) error {
	return r.s.do(r.ctx, func(ctx context.Context) error {
		return r.s.pool.QueryRow(ctx, r.sql, r.args...).Scan(dest...)
	})
}

// poolQuerier runs single-row queries on the pool through do.
type poolQuerier struct{ s *Store }

func (q poolQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return q.s.queryRow(ctx, sql, args...)
}

// collect runs a query on the pool through do and collects its rows.
func collect[T any](ctx context.Context, s *Store, sql string, args []any, fn pgx.RowToFunc[T]) ([]T, error) {
	var out []T
	err := s.do(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, fn)
		return err
	})
	return out, err
}
