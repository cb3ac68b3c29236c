package sqlitestore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store/storetest"
)

// TestFilesArePrivate opens a new database under umask 0 and checks that
// the database, its WAL and its shared-memory file are 0600.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "tunneld.db")
	s := mustOpen(t, path)
	defer s.Close()
	tn, tokens := storetest.BenchTunnel("perm", time.Now())
	if err := s.CreateTunnel(t.Context(), tn, tokens, 0); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", filepath.Base(name), got)
		}
	}
}

// TestExistingFileKeepsItsMode checks that Open leaves the mode of an
// existing database alone (an operator may have chosen it).
func TestExistingFileKeepsItsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tunneld.db")
	mustOpen(t, path).Close()
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, path).Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o640 {
		t.Errorf("mode %#o, want 0640 kept", got)
	}
}
