package pgstore

import (
	"testing"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, pgtest.Shared(t).NewDatabase(t))
	})
}

// open opens a Store on url, or fails the test; the caller closes it.
func open(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{URL: url})
	if err != nil {
		t.Fatalf("Open(%s) = %v, want nil", url, err)
	}
	return s
}

// mustOpen opens a Store on url that the test's cleanup closes.
func mustOpen(t testing.TB, url string) *Store {
	t.Helper()
	s := open(t, url)
	t.Cleanup(func() { s.Close() })
	return s
}
