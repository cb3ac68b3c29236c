package pgstore

import (
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/pgtest"
)

// TestSchemaChecksValues writes values the schema forbids straight into
// the tables (the store's own calls never send them): the domains of
// migration 0005 refuse each one, on insert and on update.
func TestSchemaChecksValues(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	mustCreate(t, s, "checked")
	for _, q := range []string{
		`UPDATE tunnels SET tags = '[1]' WHERE id = 'checked'`,
		`UPDATE tunnels SET tags = tags || '"x"'::jsonb WHERE id = 'checked'`,
		`INSERT INTO tokens (hash, tunnel_id, mode) VALUES ('\x00', 'checked', 'source')`,
		`INSERT INTO tokens (hash, tunnel_id, mode) VALUES (sha256('a'), 'checked', 'both')`,
		`UPDATE tokens SET mode = 'both' WHERE tunnel_id = 'checked'`,
		`UPDATE tokens SET hash = '\x01' WHERE tunnel_id = 'checked'`,
	} {
		tag, err := s.pool.Exec(t.Context(), q)
		if sqlState(err) != "23514" { // check_violation
			t.Errorf("%s = %v, %v; want a check violation", q, tag, err)
		}
	}
	tn, err := s.Tunnel(t.Context(), "checked")
	if err != nil || len(tn.Tags) != 1 || tn.Tags[0].Key != "env" {
		t.Errorf("Tunnel(checked) = %+v, %v; want it unchanged, with its one tag env", tn, err)
	}
}

// TestStripesOnPagesOfTheirOwn checks the shape migration 0005 gives
// open_counts: 64 stripes, no two in one page, and a trigger function
// without settings of its own (the plan is an index scan by itself).
func TestStripesOnPagesOfTheirOwn(t *testing.T) {
	s := mustOpen(t, pgtest.Shared(t).NewDatabase(t))
	for i := range 3 {
		mustCreate(t, s, "paged-"+string(rune('a'+i)))
	}
	var stripes, pages int
	err := s.pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT (ctid::text::point)[0])
		FROM open_counts`).Scan(&stripes, &pages)
	if err != nil || stripes != 64 || pages != 64 {
		t.Errorf("open_counts: %d stripes on %d pages, %v; want 64 on 64", stripes, pages, err)
	}
	var total int
	if err := s.pool.QueryRow(t.Context(), `SELECT sum(n) FROM open_counts`).Scan(&total); err != nil || total != 3 {
		t.Errorf("open count = %d, %v; want 3", total, err)
	}
	var config *string
	err = s.pool.QueryRow(t.Context(), `SELECT array_to_string(proconfig, ',') FROM pg_proc
		WHERE proname = 'adit_tunnels_changed'`).Scan(&config)
	if err != nil || config != nil {
		t.Errorf("adit_tunnels_changed settings = %v, %v; want none", config, err)
	}
	rows, err := s.pool.Query(t.Context(), `EXPLAIN (COSTS OFF) UPDATE open_counts SET n = n + 1
		WHERE stripe = adit_stripe('x')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if len(lines) < 2 || !strings.Contains(lines[1], "Index Scan using open_counts_pkey") {
		t.Errorf("stripe update plan = %q, want an index scan of open_counts_pkey", lines)
	}
}
