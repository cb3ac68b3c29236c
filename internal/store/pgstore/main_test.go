package pgstore

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/adit-project/adit/internal/pgtest"
)

// TestMain runs the package's tests against the PostgreSQL server pgtest
// starts on first use, stops it, and fails the package when a test left
// goroutines behind (a pool or a Watch that was not stopped).
func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "leaked goroutines:", err)
			code = 1
		}
	}
	os.Exit(code)
}
