package sqlitestore

import (
	"path/filepath"
	"strings"
	"testing"
)

// allowedScans are the only full scans: the one-row counter table, and the
// first page of ListTunnels, which reads the list index in order and stops
// at the limit.
var allowedScans = map[string]bool{
	"SCAN open_tunnels":                 true,
	"SCAN t USING INDEX tunnels_newest": true,
}

// TestQueryPlansUseIndexes keeps every statement on an index search: no
// other full scan (of a table or an index) and no sort in a temporary
// b-tree.
func TestQueryPlansUseIndexes(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tunneld.db"))
	defer s.Close()
	var queries []string
	for _, d := range append(s.ws.defs(), s.rs.defs()...) {
		queries = append(queries, d.query)
	}
	for _, q := range queries {
		args := make([]any, strings.Count(q, "?"))
		rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Errorf("EXPLAIN QUERY PLAN %s: %v", q, err)
			continue
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(detail, "SCAN ") && !allowedScans[detail] || strings.Contains(detail, "TEMP B-TREE") {
				t.Errorf("plan of %s: %s, want an index", q, detail)
			}
		}
		rows.Close()
	}
}
