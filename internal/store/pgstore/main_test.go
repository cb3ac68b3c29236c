package pgstore

import (
	"testing"

	"github.com/adit-project/adit/internal/pgtest"
)

// TestMain runs the package's tests against the PostgreSQL server pgtest
// starts on first use, and stops it at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }
