package cli

import (
	"hash/fnv"
	"testing"

	"github.com/adit-project/adit/internal/cli/difftest"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

// FuzzDifferentialFormatter is the formatter's differential test as a
// fuzz target (go test -fuzz FuzzDifferentialFormatter ./internal/cli):
// the fuzzer mutates a response document, a --query ("" for none) and a
// mode byte that picks the output, color and terminal width. Its seeds
// are generated cases plus testdata/fuzz/FuzzDifferentialFormatter, which
// holds the divergences the differential test found.
func FuzzDifferentialFormatter(f *testing.F) {
	g := difftest.New(difftest.DefaultSeed)
	for i := range 24 {
		doc := g.Doc()
		f.Add(difftest.JSON(doc), g.Expr(doc), byte(i*7))
	}
	o := difftest.Start(f, "testdata/difforacle.py", true)
	f.Fuzz(func(t *testing.T, doc, query string, mode byte) {
		if why := difftest.Excluded(query, doc); why != "" {
			t.Skip(why)
		}
		v, err := pyjson.Decode(doc, false)
		if _, ok := v.(*pyjson.Object); err != nil || !ok {
			// A response is an object: format one generated from the
			// bytes instead, so the run still counts.
			h := fnv.New64a()
			h.Write([]byte(doc))
			doc = difftest.JSON(difftest.New(h.Sum64()).Doc())
		}
		req := difftest.FormatRequest{
			Output:  []string{"json", "text", "table"}[mode%3],
			Command: difftest.Commands[int(mode/3)%len(difftest.Commands)],
			Doc:     doc,
			Width:   20 + int(mode/6)%120,
			Color:   []string{"off", "on"}[(mode/2)%2],
		}
		if query != "" {
			req.Query = &query
		}
		if msg, _ := diffFormat(t, o, req); msg != "" {
			t.Error(msg)
		}
	})
}
