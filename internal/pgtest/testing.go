package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Start starts a server of the test's own, stopped when the test ends. Use
// it when the test stops or restarts the server.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := New()
	if err != nil {
		reportMissing(tb, err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("pgtest: stop: %v", err)
		}
	})
	return s
}

// shared is the package's server that Main stops; it starts on the first
// call of Shared.
var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Main runs the tests of a package with Run and exits with their status.
// Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests of a package, stops the server Shared started, if
// any, and returns the exit status (for a TestMain that checks more
// afterwards, such as leaked goroutines).
func Run(m *testing.M) int {
	code := m.Run()
	if shared.s != nil {
		if err := shared.s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the server shared by the tests of the package, starting
// it on first use. The package's TestMain must call Main, which stops it.
// Tests must not stop or restart it (use Start for that).
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() { shared.s, shared.err = New() })
	if shared.err != nil {
		reportMissing(tb, shared.err)
	}
	return shared.s
}

// NewDatabase creates an empty database on s for this test, dropped when
// the test ends, and returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t_%d", s.dbs.Add(1))
	if err := s.admin(tb.Context(), "CREATE DATABASE "+name+" STRATEGY = FILE_COPY"); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.dbURL(name)
}

// admin runs one statement on the postgres database.
func (s *Server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Restart stops the server (terminating every session) and starts it
// again on the same socket, failing the test on error.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if err := s.Down(); err != nil {
		tb.Fatalf("pgtest: restart: %v", err)
	}
	if err := s.Up(); err != nil {
		tb.Fatalf("pgtest: restart: %v", err)
	}
}
