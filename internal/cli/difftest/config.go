package difftest

import (
	"os"
	"strconv"
	"testing"
)

// DefaultSeed and DefaultCases size a run when the environment does not.
const (
	DefaultSeed  = 20261203
	DefaultCases = 2000
)

// Config returns the seed and the number of cases of a differential run:
// ADIT_DIFF_SEED and ADIT_DIFF_CASES override the defaults. It logs both
// so that a failing run can be repeated.
func Config(tb testing.TB) (seed uint64, cases int) {
	tb.Helper()
	seed, cases = DefaultSeed, DefaultCases
	if s := os.Getenv("ADIT_DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			tb.Fatalf("ADIT_DIFF_SEED=%q: %v", s, err)
		}
		seed = v
	}
	if s := os.Getenv("ADIT_DIFF_CASES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			tb.Fatalf("ADIT_DIFF_CASES=%q: want a positive number", s)
		}
		cases = v
	}
	tb.Logf("differential run: seed %d, %d cases (repeat with ADIT_DIFF_SEED=%d ADIT_DIFF_CASES=%d)", seed, cases, seed, cases)
	return seed, cases
}

// FormatCase returns a formatter request for doc: an output type, a
// command name as the table title, a terminal width, a color setting and
// (half of the time) a --query expression.
func (g *Gen) FormatCase(doc any) FormatRequest {
	r := FormatRequest{
		Output:  pick(g, "json", "text", "table", "table"),
		Command: pick(g, Commands...),
		Doc:     JSON(doc),
		Width:   80,
		Color:   "off",
	}
	if g.chance(0.3) {
		r.Width = 10 + g.r.IntN(150)
	}
	if g.chance(0.2) {
		r.Color = "on"
	}
	if g.chance(0.5) {
		q := g.Expr(doc)
		r.Query = &q
	}
	return r
}
