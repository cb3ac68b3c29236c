package storemetrics_test

import (
	"context"
	"testing"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/storemetrics"
	"github.com/adit-project/adit/internal/tunnel"
)

// nopStore answers Tunnel at once, to measure the wrapper alone.
type nopStore struct{ store.Store }

func (nopStore) Tunnel(ctx context.Context, id string) (tunnel.Tunnel, error) {
	return tunnel.Tunnel{ID: id}, nil
}

func TestWrapperAllocatesNothing(t *testing.T) {
	st := storemetrics.New().Wrap(nopStore{})
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { st.Tunnel(ctx, "x") }); n != 0 {
		t.Errorf("a timed call allocates %v times, want 0", n)
	}
}

// BenchmarkWrapperOverhead is the cost the wrapper adds to one store call.
func BenchmarkWrapperOverhead(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		st   store.Store
	}{{"bare", nopStore{}}, {"timed", storemetrics.New().Wrap(nopStore{})}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.st.Tunnel(ctx, "x")
			}
		})
	}
}
