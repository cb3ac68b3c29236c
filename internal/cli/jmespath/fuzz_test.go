package jmespath

import (
	"hash/fnv"
	"testing"

	"github.com/adit-project/adit/internal/cli/difftest"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

// FuzzDifferential is the differential test as a fuzz target: the fuzzer
// mutates an expression and a JSON document, and the Python oracle judges
// each pair (go test -fuzz FuzzDifferential ./internal/cli/jmespath). Its
// seeds are generated cases plus testdata/fuzz/FuzzDifferential, which
// holds the divergences the differential test found.
func FuzzDifferential(f *testing.F) {
	g := difftest.New(difftest.DefaultSeed)
	for range 32 {
		doc := g.Doc()
		f.Add(g.Expr(doc), difftest.JSON(doc))
	}
	o := difftest.Start(f, oracleScript, false)
	f.Fuzz(func(t *testing.T, expr, doc string) {
		if why := difftest.Excluded(expr, doc); why != "" {
			t.Skip(why)
		}
		v, err := pyjson.Decode(doc, false)
		if err != nil {
			// Mutated documents are rarely JSON: evaluate over one
			// generated from the bytes instead, so the run still counts.
			h := fnv.New64a()
			h.Write([]byte(doc))
			v = difftest.New(h.Sum64()).Doc()
		}
		if msg, _ := diffCase(t, o, expr, difftest.JSON(v)); msg != "" {
			t.Error(msg)
		}
	})
}
