package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var listBehaviours = []behaviour{
	{"ListIsNewestFirstWithTiesByIDDescending", testListOrder},
	{"ListRespectsLimit", testListLimit},
	{"ListPagesGiveEveryTunnelExactlyOnce", testListPaging},
	{"ListFiltersByThingName", testListThingName},
	{"ListPagingIgnoresNewerInserts", testListPagingInserts},
	{"ListCursorOfDeletedTunnelStillWorks", testListCursorDeleted},
}

// seedList creates n tunnels, three per creation time, in scrambled order,
// closes every fourth, gives each a tag and returns them newest first.
func seedList(t *testing.T, s store.Store, n int, thing func(i int) string) []tunnel.Tunnel {
	t.Helper()
	all := make([]tunnel.Tunnel, n)
	for i := range n {
		all[i] = newTunnel(tunnel.NewID(), at(time.Duration(i/3)*time.Second))
		all[i].ThingName = thing(i)
		all[i].Tags = tags("n", fmt.Sprint(i))
	}
	for j := range n {
		mustCreate(t, s, all[(j*7)%n]) // 7 is coprime with the sizes used
	}
	for i := 0; i < n; i += 4 {
		when := at(time.Hour)
		mustClose(t, s, all[i].ID, when)
		all[i].Status, all[i].ClosedAt, all[i].LastUpdatedAt = tunnel.StatusClosed, when, when
	}
	slices.SortFunc(all, newestFirst)
	return all
}

func newestFirst(a, b tunnel.Tunnel) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

func noThing(int) string { return "" }

func ids(ts []tunnel.Tunnel) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.ID
	}
	return strings.Join(s, " ")
}

// listAll pages through q with page size limit and returns what it saw.
// between runs after every page.
func listAll(t *testing.T, s store.Store, q store.ListQuery, between func()) []tunnel.Tunnel {
	t.Helper()
	var all []tunnel.Tunnel
	for range 1000 {
		page, err := s.ListTunnels(t.Context(), q)
		if err != nil {
			t.Fatalf("ListTunnels(%+v) = %v, want nil", q, err)
		}
		if len(page) > q.Limit {
			t.Errorf("ListTunnels(Limit %d) returned %d tunnels", q.Limit, len(page))
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			return all
		}
		last := page[len(page)-1]
		q.After = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		if between != nil {
			between()
		}
	}
	t.Fatalf("ListTunnels: more than 1000 pages")
	return nil
}

func testListOrder(t *testing.T, s store.Store) {
	want := seedList(t, s, 10, noThing)
	got, err := s.ListTunnels(t.Context(), store.ListQuery{Limit: 100})
	if err != nil {
		t.Fatalf("ListTunnels() = %v, want nil", err)
	}
	if ids(got) != ids(want) {
		t.Fatalf("ListTunnels() = %s, want %s", ids(got), ids(want))
	}
	for i := range got {
		if len(got[i].Tags) != 0 {
			t.Errorf("ListTunnels()[%d].Tags = %v, want none", i, got[i].Tags)
		}
		w := want[i]
		w.Tags = nil
		checkTunnel(t, fmt.Sprintf("ListTunnels()[%d]", i), got[i], w)
	}
}

func testListLimit(t *testing.T, s store.Store) {
	want := seedList(t, s, 10, noThing)
	for _, limit := range []int{1, 3, 10, 11} {
		got, err := s.ListTunnels(t.Context(), store.ListQuery{Limit: limit})
		w := want[:min(limit, len(want))]
		if err != nil || ids(got) != ids(w) {
			t.Errorf("ListTunnels(Limit %d) = %s, %v; want %s", limit, ids(got), err, ids(w))
		}
	}
}

func testListPaging(t *testing.T, s store.Store) {
	want := seedList(t, s, 23, noThing)
	for _, limit := range []int{1, 4, 5, 23, 100} {
		got := listAll(t, s, store.ListQuery{Limit: limit}, nil)
		if ids(got) != ids(want) {
			t.Errorf("ListTunnels pages of %d = %s, want %s", limit, ids(got), ids(want))
		}
	}
}

func testListThingName(t *testing.T, s store.Store) {
	things := []string{"alpha", "beta", "", "alpha"}
	all := seedList(t, s, 12, func(i int) string { return things[i%len(things)] })
	for _, thing := range []string{"alpha", "beta", "gamma"} {
		var want []tunnel.Tunnel
		for _, tn := range all {
			if tn.ThingName == thing {
				want = append(want, tn)
			}
		}
		for _, limit := range []int{2, 100} {
			got := listAll(t, s, store.ListQuery{ThingName: thing, Limit: limit}, nil)
			if ids(got) != ids(want) {
				t.Errorf("ListTunnels(ThingName %q, Limit %d) = %s, want %s", thing, limit, ids(got), ids(want))
			}
		}
	}
}

func testListPagingInserts(t *testing.T, s store.Store) {
	want := seedList(t, s, 12, noThing)
	inserted := 0
	between := func() {
		for range 2 {
			inserted++
			mustCreate(t, s, newTunnel(tunnel.NewID(), at(time.Hour+time.Duration(inserted)*time.Second)))
		}
		mustCreate(t, s, newTunnel("~ties with the newest, sorts first"+fmt.Sprint(inserted), want[0].CreatedAt))
	}
	got := listAll(t, s, store.ListQuery{Limit: 5}, between)
	if ids(got) != ids(want) {
		t.Errorf("ListTunnels pages with inserts in between = %s, want %s", ids(got), ids(want))
	}
}

func testListCursorDeleted(t *testing.T, s store.Store) {
	want := seedList(t, s, 9, noThing)
	first, err := s.ListTunnels(t.Context(), store.ListQuery{Limit: 4})
	if err != nil || len(first) != 4 {
		t.Fatalf("ListTunnels(Limit 4) = %d tunnels, %v; want 4, nil", len(first), err)
	}
	last := first[3]
	wantErr(t, "DeleteTunnel(cursor tunnel)", s.DeleteTunnel(t.Context(), last.ID), nil)
	q := store.ListQuery{Limit: 100, After: &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}}
	got, err := s.ListTunnels(t.Context(), q)
	if err != nil || ids(got) != ids(want[4:]) {
		t.Errorf("ListTunnels(after deleted cursor) = %s, %v; want %s", ids(got), err, ids(want[4:]))
	}
}
