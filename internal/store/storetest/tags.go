package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
)

var tagBehaviours = []behaviour{
	{"TagTunnelAddsAndOverwrites", testTag},
	{"TagTunnelLimitChangesNothingWhenExceeded", testTagLimit},
	{"TagTunnelLimitHoldsUnderConcurrency", testTagLimitConcurrent},
	{"UntagTunnelRemovesAndIgnoresAbsentKeys", testUntag},
}

func testTag(t *testing.T, s store.Store) {
	want := newTunnel("t", t0)
	want.Tags = tags("a", "1", "b", "2")
	mustCreate(t, s, want)
	when := at(time.Minute)
	err := s.TagTunnel(t.Context(), "t", tags("b", "two", "c", "3"), 50, when)
	wantErr(t, "TagTunnel(t, b=two c=3)", err, nil)
	want.Tags = tags("a", "1", "b", "two", "c", "3")
	want.LastUpdatedAt = when
	checkTunnel(t, "Tunnel(t) after TagTunnel", mustGet(t, s, "t"), want)
}

func testTagLimit(t *testing.T, s store.Store) {
	want := newTunnel("t", t0)
	want.Tags = tags("a", "1", "b", "2")
	mustCreate(t, s, want)
	err := s.TagTunnel(t.Context(), "t", tags("a", "new", "c", "3", "d", "4"), 3, at(time.Minute))
	wantErr(t, "TagTunnel(2 tags + 2 new, max 3)", err, store.ErrTooManyTags)
	checkTunnel(t, "Tunnel(t) after refused TagTunnel", mustGet(t, s, "t"), want)

	when := at(2 * time.Minute)
	err = s.TagTunnel(t.Context(), "t", tags("a", "new", "c", "3"), 3, when)
	wantErr(t, "TagTunnel(2 tags + 1 new + 1 overwrite, max 3)", err, nil)
	err = s.TagTunnel(t.Context(), "t", tags("b", "two"), 3, when)
	wantErr(t, "TagTunnel(overwrite at the limit, max 3)", err, nil)
	want.Tags = tags("a", "new", "b", "two", "c", "3")
	want.LastUpdatedAt = when
	checkTunnel(t, "Tunnel(t) at the tag limit", mustGet(t, s, "t"), want)
}

func testUntag(t *testing.T, s store.Store) {
	want := newTunnel("t", t0)
	want.Tags = tags("a", "1", "b", "2", "c", "3")
	mustCreate(t, s, want)
	when := at(time.Minute)
	err := s.UntagTunnel(t.Context(), "t", []string{"a", "absent", "c"}, when)
	wantErr(t, "UntagTunnel(t, a absent c)", err, nil)
	want.Tags = tags("b", "2")
	want.LastUpdatedAt = when
	checkTunnel(t, "Tunnel(t) after UntagTunnel", mustGet(t, s, "t"), want)

	later := at(2 * time.Minute)
	wantErr(t, "UntagTunnel(t, absent)", s.UntagTunnel(t.Context(), "t", []string{"absent"}, later), nil)
	want.LastUpdatedAt = later
	checkTunnel(t, "Tunnel(t) after UntagTunnel of an absent key", mustGet(t, s, "t"), want)
}

func testTagLimitConcurrent(t *testing.T, s store.Store) {
	const maxTags, workers = 5, 12
	mustCreate(t, s, newTunnel("t", t0))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			key := fmt.Sprint("k", w)
			err := s.TagTunnel(t.Context(), "t", tags(key, "v", "shared", key), maxTags, at(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, key)
			case !errors.Is(err, store.ErrTooManyTags):
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent TagTunnel() = %v, want nil or ErrTooManyTags", err)
	}
	got := mustGet(t, s, "t").Tags
	if len(won) != maxTags-1 || len(got) != maxTags {
		t.Fatalf("concurrent TagTunnel(max %d): %d calls won, %d tags stored; want %d, %d", maxTags, len(won), len(got), maxTags-1, maxTags)
	}
	for _, g := range got {
		if g.Key != "shared" && !slices.Contains(won, g.Key) {
			t.Errorf("Tunnel(t) has tag %q of a refused TagTunnel", g.Key)
		}
		if g.Key == "shared" && !slices.Contains(won, g.Value) {
			t.Errorf("Tunnel(t) tag shared = %q, set by a refused TagTunnel", g.Value)
		}
	}
}
