package pgtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func query(t *testing.T, url, sql string, dst ...any) error {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(t.Context(), sql).Scan(dst...)
}

func TestNewDatabaseIsFreshAndSeparate(t *testing.T) {
	s := Shared(t)
	a, b := s.NewDatabase(t), s.NewDatabase(t)
	if a == b {
		t.Fatalf("NewDatabase() twice = %q both times, want two databases", a)
	}
	conn, err := pgx.Connect(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `CREATE TABLE x (v int)`); err != nil {
		t.Fatalf("create table in %s: %v", a, err)
	}
	var n int
	if err := query(t, b, `SELECT count(*) FROM pg_tables WHERE tablename = 'x'`, &n); err != nil || n != 0 {
		t.Errorf("table x in the second database: count %d, %v; want 0, nil", n, err)
	}
	var fsync string
	if err := query(t, a, `SHOW fsync`, &fsync); err != nil || fsync != "off" {
		t.Errorf("SHOW fsync = %q, %v; want off", fsync, err)
	}
}

func TestRestartKeepsDataAndURL(t *testing.T) {
	s := Start(t)
	url := s.NewDatabase(t)
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `CREATE TABLE k (v text); INSERT INTO k VALUES ('kept')`); err != nil {
		t.Fatal(err)
	}
	s.Restart(t)
	if err := conn.Ping(t.Context()); err == nil {
		t.Errorf("Ping() on a connection from before the restart = nil, want an error")
	}
	conn.Close(context.Background())
	if err := s.Down(); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := query(t, url, `SELECT 1`, &v); err == nil {
		t.Errorf("query while the server is down = nil, want an error")
	}
	if err := s.Up(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, url, `SELECT v FROM k`, &v); err != nil || v != "kept" {
		t.Errorf("SELECT after restart = %q, %v; want kept, nil", v, err)
	}
}

// TestReapsOrphans leaves a running server behind with a dead owner, as a
// killed test binary would: the next New stops and removes it.
func TestReapsOrphans(t *testing.T) {
	orphan, err := New()
	if err != nil {
		reportMissing(t, err)
	}
	defer orphan.Stop()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orphan.Dir(), ownerFile), []byte(strconv.Itoa(dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t)
	if _, err := os.Stat(orphan.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan's directory after New() = %v, want removed", err)
	}
	var one int
	if err := query(t, orphan.URL(), `SELECT 1`, &one); err == nil {
		t.Errorf("the orphan server still answers after New()")
	}
	if err := query(t, s.URL(), `SELECT 1`, &one); err != nil {
		t.Errorf("the new server: %v", err)
	}
}
