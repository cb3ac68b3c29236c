package server

import (
	"fmt"
	"log/slog"
	"os"
)

// prepareDataDir creates the data directory 0700 (with any missing parents)
// and warns when an existing one is open to group or others: it holds the
// database with the token hashes, the generated credentials and the TLS
// key. It does not change the mode of an existing directory.
func prepareDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		log.Warn("the data directory is accessible by group or others; it holds the database, credentials and TLS key",
			"data_dir", dir, "mode", fmt.Sprintf("%04o", perm), "fix", "chmod 700 "+dir)
	}
	return nil
}
