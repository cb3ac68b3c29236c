package jmespath

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/adit-project/adit/internal/cli/difftest"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

var address = regexp.MustCompile(`object at 0x[0-9a-f]+`)

// messageChecked lists the error classes whose message text must match
// too: jmespath's own exceptions, which tunnelctl prints word for word.
// Messages of Python's built-in exceptions (class runtime) vary between
// Python versions, so only their class is compared.
var messageChecked = map[string]bool{"syntax": true, "arity": true, "type": true, "unknown_function": true}

const oracleScript = "../testdata/difforacle.py"

// maxFailures stops a run that has clearly diverged.
const maxFailures = 20

// TestDifferentialPython evaluates random expressions over random
// documents here and in Python jmespath and requires the same result, or
// errors of the same class (see errorClass) and, for jmespath's own
// exceptions, the same message. ADIT_DIFF_SEED and ADIT_DIFF_CASES set
// the run (see difftest.Config).
func TestDifferentialPython(t *testing.T) {
	o := difftest.Start(t, oracleScript, false)
	seed, n := difftest.Config(t)
	g := difftest.New(seed)
	failures := 0
	outcomes := map[string]int{}
	for i := range n {
		doc := g.Doc()
		expr := g.Expr(doc)
		msg, outcome := diffCase(t, o, expr, difftest.JSON(doc))
		outcomes[outcome]++
		if msg != "" {
			t.Errorf("seed %d case %d: %s", seed, i, msg)
			if failures++; failures >= maxFailures {
				t.Fatalf("stopping after %d divergences", failures)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestDifferentialEdges runs every hand-picked edge expression over a few
// fixed documents.
func TestDifferentialEdges(t *testing.T) {
	o := difftest.Start(t, oracleScript, false)
	docs := []string{
		`{}`,
		`{"a": [{"b": 1, "c": "x"}, {"b": 2, "c": [1]}, {"b": "1"}], "b": {"c": true}, "c": null}`,
		`{"a": "text", "b": [3, 1.5, -2], "c": {"d": {"e": []}}}`,
	}
	for _, doc := range docs {
		for _, expr := range difftest.EdgeExprs {
			if msg, _ := diffCase(t, o, expr, doc); msg != "" {
				t.Error(msg)
			}
		}
	}
}

// diffCase returns a description of the divergence, or "", and the
// outcome in Python: an error class, "null", "empty" or "value".
func diffCase(t testing.TB, o *difftest.Oracle, expr, docJSON string) (string, string) {
	msg, want := compareCase(t, o, expr, docJSON)
	switch {
	case want.Class == "excluded":
		return msg, "excluded"
	case !want.OK:
		return msg, want.Class
	case want.Result == "null":
		return msg, "null"
	case want.Result == "[]" || want.Result == "{}":
		return msg, "empty"
	}
	return msg, "value"
}

func compareCase(t testing.TB, o *difftest.Oracle, expr, docJSON string) (string, difftest.Answer) {
	want, err := o.Search(expr, docJSON)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := pyjson.Decode(docJSON, false)
	if err != nil {
		t.Fatalf("generated document %s: %v", docJSON, err)
	}
	got, gotClass, gotMsg := evaluate(expr, doc)
	where := fmt.Sprintf("expression %q over %s", expr, docJSON)
	switch {
	case want.Class == "excluded":
		return "", want
	case want.OK && difftest.BeyondInt64(want.Result):
		want.Class = "excluded"
		return "", want
	case !want.OK && gotClass == "":
		return fmt.Sprintf("%s: Go gives %s, Python fails (%s %s: %s)", where, got, want.Class, want.Type, want.Msg), want
	case !want.OK && gotClass != want.Class:
		return fmt.Sprintf("%s: Go fails with %s (%s), Python with %s (%s: %s)", where, gotClass, gotMsg, want.Class, want.Type, want.Msg), want
	case !want.OK && messageChecked[want.Class] && !difftest.BeyondInt64(want.Msg) && address.ReplaceAllString(gotMsg, "") != address.ReplaceAllString(want.Msg, ""):
		return fmt.Sprintf("%s: message %q, Python %q", where, gotMsg, want.Msg), want
	case !want.OK:
		return "", want
	case gotClass != "":
		return fmt.Sprintf("%s: Go fails with %s (%s), Python gives %s", where, gotClass, gotMsg, want.Result), want
	}
	wantV, err := pyjson.Decode(want.Result, false)
	if err != nil {
		t.Fatalf("Python result %q: %v", want.Result, err)
	}
	// Python prints an expression reference with its memory address.
	if w := difftest.JSON(wantV); address.ReplaceAllString(got, "") != address.ReplaceAllString(w, "") {
		return fmt.Sprintf("%s: Go gives %s, Python %s", where, got, w), want
	}
	return "", want
}

// evaluate runs expr over doc and returns the result as compact JSON, or
// the error class and message.
func evaluate(expr string, doc any) (result, class, msg string) {
	e, err := Compile(expr)
	var v any
	if err == nil {
		v, err = e.Search(doc)
	}
	if err != nil {
		return "", errorClass(err), err.Error()
	}
	if hasExpref(v) {
		return "", "unserializable", "an expression reference is not JSON"
	}
	return difftest.JSON(v), "", ""
}

// errorClass names the kind of err the way difforacle.py names Python's
// exceptions: syntax, arity, type, unknown_function, or runtime for the
// errors Python raises outside jmespath's own exception classes.
func errorClass(err error) string {
	var (
		lexErr   *LexerError
		parseErr *ParseError
		arity    *ArityError
		typeErr  *TypeError
		unknown  *UnknownFunctionError
	)
	switch {
	case errors.As(err, &lexErr), errors.As(err, &parseErr), errors.Is(err, ErrEmpty):
		return "syntax"
	case errors.As(err, &arity):
		return "arity"
	case errors.As(err, &typeErr):
		return "type"
	case errors.As(err, &unknown):
		return "unknown_function"
	}
	return "runtime"
}

func hasExpref(v any) bool {
	switch x := v.(type) {
	case expref:
		return true
	case []any:
		for _, el := range x {
			if hasExpref(el) {
				return true
			}
		}
	case *pyjson.Object:
		for _, k := range x.Keys() {
			if el, _ := x.Get(k); hasExpref(el) {
				return true
			}
		}
	}
	return false
}
