package jmespath

import (
	"regexp"
	"testing"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// TestExprefText covers what the differential test found about
// expression references: to_string() prints them as Python's str() of
// the object (the address varies), type() returns null, and errors keep
// their classes.
func TestExprefText(t *testing.T) {
	e, err := Compile("to_string(&a)")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Search(pyjson.NewObject())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := got.(string)
	if !regexp.MustCompile(`^"<jmespath\.visitor\._Expression object at 0x[0-9a-f]+>"$`).MatchString(s) {
		t.Errorf("to_string(&a) = %q", got)
	}
}

// TestErrorClasses checks that arity and unknown-function failures have
// their own error types.
func TestErrorClasses(t *testing.T) {
	for expr, want := range map[string]string{
		"length()":         "arity",
		"merge()":          "arity",
		"foo(@)":           "unknown_function",
		"abs('a')":         "type",
		"a[":               "syntax",
		"`1` < 'a'":        "runtime",
		"[::0]":            "runtime",
		"merge(`{}`, `1`)": "runtime",
		"`1` < `null`":     "",
	} {
		e, err := Compile(expr)
		if err == nil {
			_, err = e.Search([]any{})
		}
		got := ""
		if err != nil {
			got = errorClass(err)
		}
		if got != want {
			t.Errorf("%s: error %v of class %q, want %q", expr, err, got, want)
		}
	}
}
