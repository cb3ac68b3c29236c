package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownerFile names the file in a server's directory that holds the process
// id of the test binary that started it.
const ownerFile = "owner.pid"

// writeOwner records this process as the owner of the server in s.dir.
func (s *Server) writeOwner() error {
	return os.WriteFile(filepath.Join(s.dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// reapOrphans stops and removes the servers that test binaries killed
// before their cleanup (a test timeout, say) left behind in the temporary
// directory: those whose owner process is gone. Servers of running test
// binaries are left alone. Errors are ignored: this is housekeeping.
func reapOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pgtest-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being set up, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		s := &Server{dir: dir, data: filepath.Join(dir, "data"), up: true}
		if fi, err := os.Stat(dir); err == nil && os.Geteuid() == 0 {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
				s.runAs = "postgres"
			}
		}
		s.run("pg_ctl", "stop", "-w", "-t", "30", "-m", "immediate", "-D", s.data)
		os.RemoveAll(dir)
	}
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
