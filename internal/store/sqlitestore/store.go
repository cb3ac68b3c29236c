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

// synchronous is the SQLite synchronous setting; see the package
// documentation for why it is NORMAL and what FULL would cost.
const synchronous = "NORMAL"

// walCheckpointPages is how many pages the WAL may hold before the write
// connection copies them back into the database file (about 16 MB).
const walCheckpointPages = 4000

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
// pending schema migrations. A new database file, and its WAL and
// shared-memory files, are created 0600. The directory must already exist.
// Close the Store when done.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	s.writerDone = make(chan struct{})
	go s.runWriter()
	return s, nil
}

// open opens the Store without starting its writer goroutine.
func open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
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
	// temp_store=MEMORY keeps the savepoint journals of batched writes in
	// memory rather than spilling them to temporary files. Checkpointing
	// the WAL every walCheckpointPages instead of SQLite's default 1,000
	// pays the checkpoint's two fsyncs, during which writes wait, less
	// often; journal_size_limit trims a WAL that grew past that afterwards.
	q := fmt.Sprintf("_busy_timeout=%d&_journal_mode=WAL&_synchronous=%s&_foreign_keys=1"+
		"&_txlock=immediate&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(%d)"+
		"&_pragma=journal_size_limit(%d)",
		busyTimeoutMillis, synchronous, walCheckpointPages, 2*walCheckpointPages*4096)
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
