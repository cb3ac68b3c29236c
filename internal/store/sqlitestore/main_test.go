package sqlitestore

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind, such as
// the writer of a Store that was not closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
