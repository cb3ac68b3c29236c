package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/cli/difftest"
	"github.com/adit-project/adit/internal/cli/jmespath"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

var exprefAddress = regexp.MustCompile(`0x[0-9a-f]+>`)

// TestDifferentialFormatter formats random responses (with a random
// --query half of the time) with tunnelctl's json, text and table output
// and with the AWS CLI's formatter classes, and requires the same bytes,
// and a failure on both sides or neither.
func TestDifferentialFormatter(t *testing.T) {
	o := difftest.Start(t, "testdata/difforacle.py", true)
	seed, n := difftest.Config(t)
	g := difftest.New(seed)
	failures := 0
	outcomes := map[string]int{}
	for i := range n {
		req := g.FormatCase(g.Doc())
		if req.Query != nil && difftest.Excluded(*req.Query, req.Doc) != "" {
			outcomes["excluded"]++
			continue
		}
		msg, outcome := diffFormat(t, o, req)
		outcomes[req.Output+" "+outcome]++
		if msg != "" {
			t.Errorf("seed %d case %d: %s", seed, i, msg)
			if failures++; failures >= 20 {
				t.Fatalf("stopping after %d divergences", failures)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// diffFormat returns a description of the divergence, or "", and the
// outcome: "error", "empty" or "output".
func diffFormat(t testing.TB, o *difftest.Oracle, req difftest.FormatRequest) (string, string) {
	want, err := o.Format(req)
	if err != nil {
		t.Fatal(err)
	}
	if difftest.BeyondInt64(want.Out) {
		return "", "excluded"
	}
	got, gotErr := runFormat(t, req)
	// Text output prints an expression reference with its memory address.
	got = exprefAddress.ReplaceAllString(got, "0x")
	want.Out = exprefAddress.ReplaceAllString(want.Out, "0x")
	where := describe(req)
	outcome := "output"
	switch {
	case !want.OK:
		outcome = "error"
	case want.Out == "":
		outcome = "empty"
	}
	switch {
	case want.OK && gotErr != nil:
		return fmt.Sprintf("%s: Go fails (%v), Python prints %q", where, gotErr, want.Out), outcome
	case !want.OK && gotErr == nil:
		return fmt.Sprintf("%s: Go prints %q, Python fails (%s: %s) after %q", where, got, want.Type, want.Msg, want.Out), outcome
	case got != want.Out:
		return fmt.Sprintf("%s: output differs (Python error: %s %s)\nGo:\n%s\nPython:\n%s", where, want.Type, want.Msg, got, want.Out), outcome
	}
	return "", outcome
}

func describe(r difftest.FormatRequest) string {
	q := "no query"
	if r.Query != nil {
		q = fmt.Sprintf("--query %q", *r.Query)
	}
	return fmt.Sprintf("--output %s (title %q, width %d, color %s, %s) of %s", r.Output, r.Command, r.Width, r.Color, q, r.Doc)
}

// runFormat formats the request's document as tunnelctl does after a call.
func runFormat(t testing.TB, r difftest.FormatRequest) (string, error) {
	doc, err := pyjson.Decode(r.Doc, false)
	if err != nil {
		t.Fatalf("generated document %s: %v", r.Doc, err)
	}
	g := &globals{color: r.Color}
	if r.Query != nil {
		if g.query, err = jmespath.Compile(*r.Query); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	err = display(&b, r.Output, r.Command, doc, g, r.Width)
	return b.String(), err
}
