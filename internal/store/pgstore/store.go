package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/adit-project/adit/internal/store"
)

// Defaults of Config.
const (
	// DefaultMaxConns is the pool size when the URL has no pool_max_conns.
	DefaultMaxConns = 16
	// DefaultQueryTimeout bounds each call when Config.QueryTimeout is 0.
	DefaultQueryTimeout = 5 * time.Second
)

// Config configures Open.
type Config struct {
	// URL is the PostgreSQL connection string: a URL
	// (postgres://user:pass@host:5432/db?sslmode=require&pool_max_conns=32)
	// or keyword/value pairs, with pgx's pool parameters.
	URL string
	// QueryTimeout bounds every call of the store, connecting included
	// (default DefaultQueryTimeout). Watch is not bounded.
	QueryTimeout time.Duration
	// Logger receives Watch's reconnects (nil: discard).
	Logger *slog.Logger
}

// Store is a store.Store and store.Cluster backed by a PostgreSQL
// database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// lease is a pool of one connection for the node's heartbeat, so that
	// a pool busy with API calls never delays it past the node's lease.
	lease   *pgxpool.Pool
	timeout time.Duration
	log     *slog.Logger
	// margin is the database's max_connections plus
	// max_prepared_transactions: more transactions than that cannot be in
	// flight, so a quota check that far below the quota needs no exclusive
	// lock.
	margin int
	// retries bounds how often do repeats a call that failed on stale
	// pooled connections: the pool's size.
	retries int
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Cluster = (*Store)(nil)
)

// Open connects to the database, applies any pending schema migrations and
// returns the Store. Each connection attempt is bounded by the query
// timeout (unless the URL sets connect_timeout); ctx bounds Open as a
// whole, including the wait for another node that is migrating. Close
// the Store when done.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if !strings.Contains(cfg.URL, "pool_max_conns") {
		pc.MaxConns = DefaultMaxConns
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = "tunneld"
	}
	// At a call's deadline, ask the server to cancel the statement (so a
	// statement waiting for a lock does not commit later, unseen), and
	// drop the connection if it does not answer within a second.
	pc.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	s := &Store{timeout: cfg.QueryTimeout, log: cfg.Logger, retries: int(pc.MaxConns)}
	if s.timeout <= 0 {
		s.timeout = DefaultQueryTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if pc.ConnConfig.ConnectTimeout == 0 { // the URL's connect_timeout wins
		pc.ConnConfig.ConnectTimeout = s.timeout
	}
	lc := pc.Copy()
	lc.MaxConns, lc.MinConns = 1, 0
	if s.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if s.lease, err = pgxpool.NewWithConfig(ctx, lc); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, wrap("open postgres store", err)
	}
	return s, nil
}

// init applies the migrations and reads the margin.
func (s *Store) init(ctx context.Context) error {
	if err := migrate(ctx, s.pool); err != nil {
		return err
	}
	err := s.do(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT current_setting('max_connections')::int
			+ current_setting('max_prepared_transactions')::int`).Scan(&s.margin)
	})
	if err != nil {
		return fmt.Errorf("read max_connections: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned. It
// does not stop Watch: end Watch's context first.
func (s *Store) Close() error {
	s.pool.Close()
	s.lease.Close()
	return nil
}

// deadline bounds ctx by the query timeout.
func (s *Store) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// do runs fn under the query timeout. When fn fails before anything
// reached the database, on a pooled connection the database had closed
// (after a restart, say), pgx discards that connection and do runs fn
// again, up to s.retries times. fn must be safe to repeat after such a
// failure: its statements before the failing one must not have committed.
func (s *Store) do(ctx context.Context, fn func(ctx context.Context) error) error {
	dctx, cancel := s.deadline(ctx)
	defer cancel()
	for i := 0; ; i++ {
		err := fn(dctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() == nil && errors.Is(dctx.Err(), context.DeadlineExceeded):
			// The server may answer a cancelled statement with its own
			// error; report the deadline, which is what happened.
			return fmt.Errorf("no answer within %v: %w (%w)", s.timeout, context.DeadlineExceeded, err)
		case i >= s.retries || dctx.Err() != nil || !staleConn(err):
			return err
		}
	}
}

// inTx runs fn in a transaction through do, committing when it returns nil
// and rolling back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.do(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
	})
}

// errNoRows reports whether err means a query returned no row.
func errNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
