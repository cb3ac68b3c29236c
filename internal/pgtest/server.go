package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BinDir is where Debian's postgresql-15 package installs the server
// binaries.
const BinDir = "/usr/lib/postgresql/15/bin"

// port names the Unix socket file (.s.PGSQL.<port>); the socket lives in
// the server's own directory, so the number never collides.
const port = 5432

// commandTimeout bounds each initdb and pg_ctl run.
const commandTimeout = 2 * time.Minute

// settings are appended to postgresql.conf: no TCP listener, the socket in
// the server's directory, and speed over durability.
const settings = `
listen_addresses = ''
unix_socket_directories = '%s'
port = %d
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
`

// Server is a PostgreSQL server running for tests. Its methods are safe
// for concurrent use.
type Server struct {
	dir    string // owns everything; removed by Stop
	data   string // the cluster's data directory
	runAs  string // "postgres" when the test runs as root, else ""
	dbs    atomic.Int64
	mu     sync.Mutex // serialises Down, Up and Stop
	up     bool
	closed bool
}

// ErrMissing reports that the PostgreSQL binaries are not installed.
var ErrMissing = errors.New("pgtest: PostgreSQL 15 binaries not found in " + BinDir +
	" (install the Debian package postgresql-15; scripts/test.sh does it on CI)")

// New creates a database cluster in a new temporary directory and starts
// its server. Stop it when done. Most tests want Start or Shared instead.
func New() (*Server, error) {
	if _, err := os.Stat(filepath.Join(BinDir, "initdb")); err != nil {
		return nil, ErrMissing
	}
	reapOrphans()
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, data: filepath.Join(dir, "data")}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.writeOwner(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := s.Up(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// init runs initdb and writes the settings.
func (s *Server) init() error {
	if os.Geteuid() == 0 {
		if err := s.chownToPostgres(); err != nil {
			return err
		}
	}
	if err := s.run("initdb", "-D", s.data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return err
	}
	conf := filepath.Join(s.data, "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	_, err = fmt.Fprintf(f, settings, s.dir, port)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgtest: write %s: %w", conf, err)
	}
	return nil
}

// chownToPostgres hands the directory to the postgres user, as whom the
// binaries then run.
func (s *Server) chownToPostgres() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	s.runAs = "postgres"
	return nil
}

// run runs one of the PostgreSQL binaries, as the postgres user when
// running as root, and returns its output with any error.
func (s *Server) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	bin := filepath.Join(BinDir, name)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.runAs, "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: %s %s: %w\n%s%s", name, strings.Join(args, " "), err, out, s.logTail())
	}
	return nil
}

// logTail returns the end of the server log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "server log (end):\n" + string(b)
}

// Up starts the server process (after New, it is already up). Starting a
// running server changes nothing.
func (s *Server) Up() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("pgtest: server stopped")
	}
	if s.up {
		return nil
	}
	if err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", s.data, "-l", filepath.Join(s.dir, "server.log")); err != nil {
		return err
	}
	s.up = true
	return nil
}

// Down stops the server process (fast shutdown: sessions are terminated),
// keeping its data; Up starts it again on the same socket.
func (s *Server) Down() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down()
}

func (s *Server) down() error {
	if !s.up {
		return nil
	}
	if err := s.run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", s.data); err != nil {
		return err
	}
	s.up = false
	return nil
}

// Stop stops the server and removes its directory. It is safe to call more
// than once.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.down()
	s.closed = true
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// URL returns the connection URL of the server's postgres database, as the
// superuser postgres.
func (s *Server) URL() string { return s.dbURL("postgres") }

// dbURL returns the connection URL of database name.
func (s *Server) dbURL(name string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + name, RawQuery: q.Encode()}).String()
}

// Dir returns the server's directory (its socket, data and log).
func (s *Server) Dir() string { return s.dir }

// reportMissing fails tb on CI and skips it elsewhere when err is
// ErrMissing, and fails it for any other error.
func reportMissing(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		tb.Skip(err)
	}
	tb.Fatal(err)
}
