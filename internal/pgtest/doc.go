// Package pgtest runs a real PostgreSQL server for tests: Debian's
// PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin) on a Unix socket in a
// temporary directory, so that no TCP port is involved. Each test gets a
// fresh database of its own on a server shared by the package:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.Shared(t).NewDatabase(t)
//		...
//	}
//
// A test that restarts or stops the server should start one of its own with
// Start. When the binaries are missing, tests that ask for a server fail
// with a clear message on CI (CI=true) and are skipped elsewhere.
//
// The server runs with fsync off: a test never survives a power loss, and
// tests of crash durability must not rely on this package. When the test
// runs as root the binaries run as the postgres user through runuser
// (initdb refuses root), and the directory belongs to that user.
//
// Only _test.go files import this package.
package pgtest
