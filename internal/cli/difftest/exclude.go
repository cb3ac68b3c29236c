package difftest

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	bigInt = regexp.MustCompile(`-?[0-9]{19,}`)
	opener = regexp.MustCompile(`[\[{(]`)
)

// Excluded says why a fuzzed expression and document are left out of the
// comparison, or "". Left out are: bytes that are not UTF-8 (they cannot
// travel to Python as JSON text); integers of 19 digits or more other
// than index and slice bounds (tunnelctl has no integers beyond 64 bits;
// see the package doc of cli); NaN (Python orders lists holding NaN in a
// way of its own); and deep nesting (Python raises RecursionError).
func Excluded(expr, doc string) string {
	switch {
	case !utf8.ValidString(expr) || !utf8.ValidString(doc):
		return "not UTF-8"
	case bigInt.MatchString(doc) || bigLiteral(expr):
		return "integer beyond 64 bits"
	case strings.Contains(strings.ToLower(expr+doc), "nan"):
		return "NaN"
	case len(opener.FindAllString(expr+doc, -1)) > 60 || len(expr) > 400:
		return "deep nesting"
	}
	return ""
}

// bigLiteral reports a long digit run in expr that is not an index or a
// slice bound (those saturate exactly; see the jmespath lexer).
func bigLiteral(expr string) bool {
	for _, loc := range bigInt.FindAllStringIndex(expr, -1) {
		before := strings.TrimRight(expr[:loc[0]], " \t\n\r")
		if !strings.HasSuffix(before, "[") && !strings.HasSuffix(before, ":") {
			return true
		}
	}
	return false
}
