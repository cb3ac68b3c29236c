package server_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/adit-project/adit/internal/server"
)

// newServer builds (without serving) a server on dir and returns its log.
func newServer(t *testing.T, dir string) string {
	t.Helper()
	logs := &logBuffer{}
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, MQTTListen: "off",
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	return logs.String()
}

// TestDataDirCreatedPrivate: under umask 0 the data directory comes out
// 0700 and the database and credentials files 0600, with no warning.
func TestDataDirCreatedPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	logs := newServer(t, dir)
	want := map[string]os.FileMode{"": 0o700, "tunneld.db": 0o600, "tunneld.db-wal": 0o600, "tunneld.db-shm": 0o600, "credentials": 0o600}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, name))
		if os.IsNotExist(err) && strings.HasPrefix(name, "tunneld.db-") {
			continue // removed at close
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%q: mode %#o, want %#o", name, fi.Mode().Perm(), mode)
		}
	}
	if strings.Contains(logs, "level=WARN") {
		t.Errorf("unexpected warning:\n%s", logs)
	}
}

// TestOpenDataDirWarns: a data directory that group or others can read is
// reported with its mode and the fix, and the server still starts.
func TestOpenDataDirWarns(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logs := newServer(t, dir)
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "0755") || !strings.Contains(logs, "chmod 700 "+dir) {
		t.Errorf("want a warning naming mode 0755 and the fix, got:\n%s", logs)
	}
}
