// Package sqlitestore implements store.Store on an embedded SQLite database
// (the pure-Go modernc.org/sqlite driver), the default backend of tunneld.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL: a write is
// acknowledged once its commit is in the write-ahead log, so it survives a
// crash or kill -9 of the process. After a power loss or an operating-system
// crash the last commits before the failure may be lost (the database itself
// stays consistent); synchronous=FULL would close that gap at the price of
// one fsync per write, which caps throughput well below what the API needs.
//
// # Concurrency
//
// SQLite allows one writer at a time. Every write goes to one writer
// goroutine that owns the only write connection, so writers queue in Go
// (honouring their contexts while they wait) instead of failing with
// SQLITE_BUSY. Each write operation (quota check and insert, token claim,
// tag limit, ...) is a function that runs atomically inside a transaction
// started with BEGIN IMMEDIATE. Under load the writer runs the operations
// that are waiting one after another in the same transaction, each inside
// its own SAVEPOINT so a failing one leaves the others intact, and commits
// them together (group commit): one WAL append for many operations. No
// caller sees a result before the commit that makes it durable.
//
// Reads use a separate pool of query-only connections; in WAL mode they
// never block the writer, and each read statement sees one consistent
// snapshot.
//
// # Schema
//
// The schema lives in migrations/*.sql, embedded in the binary and applied
// in order at Open; schema_migrations records which ones ran. Times are
// stored as Unix milliseconds, tokens and client tokens as SHA-256 hashes.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/adit-project/adit/internal/store"
)

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another process (or a checkpoint) before failing with SQLITE_BUSY.
const busyTimeoutMillis = 10000

// Store is a store.Store backed by one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	w *sql.DB // exactly one connection: every write goes through it
	r *sql.DB // query-only connections for reads

	ws writeStmts
	rs readStmts

	ops        chan *writeOp // to the writer goroutine; unbuffered
	closing    chan struct{} // closed by Close
	writerDone chan struct{} // closed when the writer goroutine exits

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies any
// pending schema migrations. The directory must already exist. Close the
// Store when done.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	s := &Store{ops: make(chan *writeOp), closing: make(chan struct{})}
	var err error
	if s.w, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if s.r, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s.writerDone = make(chan struct{})
	go s.runWriter()
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	if err := migrate(ctx, s.w); err != nil {
		return err
	}
	if err := s.ws.prepare(ctx, s.w); err != nil {
		return err
	}
	return s.rs.prepare(ctx, s.r)
}

// dsn builds the driver's data source name for the database file at path:
// a SQLite URI (so any file name works) plus the connection settings the
// driver applies to every new connection.
func dsn(path string, readOnly bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := fmt.Sprintf("_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_txlock=immediate",
		busyTimeoutMillis)
	if readOnly {
		q += "&_query_only=1"
	}
	return "file:" + esc + "?" + q
}

// Close waits for the write in progress, fails writes still waiting, and
// closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		if s.writerDone != nil {
			<-s.writerDone // the writer answers every operation it took
		}
		s.ws.close()
		s.rs.close()
		var errs []error
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close sqlite store: %w", err)
		}
	})
	return s.closeErr
}
