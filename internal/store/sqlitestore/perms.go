package sqlitestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// createPrivate creates an empty database file at path with mode 0600
// whatever the umask, unless the file already exists (then its mode is
// the operator's choice and stays). SQLite creates the WAL and
// shared-memory files with the mode of the database file, so they come out
// 0600 too; left to itself it would create all three 0644.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	err = f.Chmod(0o600) // the umask may have taken bits away; never adds any
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return nil
}
