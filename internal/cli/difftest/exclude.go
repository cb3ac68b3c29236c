package difftest

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	bigInt = regexp.MustCompile(`-?[0-9]{19,}`)
	opener = regexp.MustCompile(`[\[{(]`)
)

// Excluded says why a fuzzed expression and document are left out of the
// comparison, or "". Left out are: bytes that are not UTF-8 (they cannot
// travel to Python as JSON text); integers beyond 64 bits other than
// index and slice bounds (tunnelctl has no such integers;
// see the package doc of cli); NaN (Python orders lists holding NaN in a
// way of its own); deep nesting (Python raises RecursionError); and
// escapes of lone UTF-16 surrogates, which Python keeps in its strings
// (the AWS CLI then fails to print them) and tunnelctl turns into U+FFFD.
func Excluded(expr, doc string) string {
	switch {
	case !utf8.ValidString(expr) || !utf8.ValidString(doc):
		return "not UTF-8"
	case loneSurrogate(expr) || loneSurrogate(doc):
		return "lone surrogate"
	case BeyondInt64(doc) || bigLiteral(expr):
		return "integer beyond 64 bits"
	case strings.Contains(strings.ToLower(expr+doc), "nan"):
		return "NaN"
	case len(opener.FindAllString(expr+doc, -1)) > 60 || len(expr) > 400:
		return "deep nesting"
	}
	return ""
}

// bigLiteral reports an integer beyond 64 bits in expr that is not an
// index or a slice bound (those saturate exactly; see the jmespath lexer).
func bigLiteral(expr string) bool {
	for _, loc := range bigInt.FindAllStringIndex(expr, -1) {
		before := strings.TrimRight(expr[:loc[0]], " \t\n\r")
		if strings.HasSuffix(before, "[") || strings.HasSuffix(before, ":") {
			continue
		}
		if BeyondInt64(expr[loc[0]:loc[1]]) {
			return true
		}
	}
	return false
}

var surrogate = regexp.MustCompile(`\\u[dD][89a-fA-F][0-9a-fA-F]{2}`)

// loneSurrogate reports a \uD800-\uDFFF escape that is not a high
// surrogate directly followed by a low one.
func loneSurrogate(s string) bool {
	locs := surrogate.FindAllStringIndex(s, -1)
	for i := 0; i < len(locs); i++ {
		hex := strings.ToLower(s[locs[i][0]+3 : locs[i][0]+4])
		high := hex == "8" || hex == "9" || hex == "a" || hex == "b"
		if !high {
			return true
		}
		if i+1 == len(locs) || locs[i+1][0] != locs[i][1] ||
			strings.ContainsAny(s[locs[i+1][0]+3:locs[i+1][0]+4], "89abAB") {
			return true
		}
		i++ // the pair's low half
	}
	return false
}

// BeyondInt64 reports a run of digits in Python's output (a result as
// JSON text, or formatted output) that is an integer outside 64 bits:
// Python computed an exact int that tunnelctl holds as a float, a
// difference the comparison leaves out (see the package doc of cli).
func BeyondInt64(out string) bool {
	for _, m := range bigInt.FindAllString(out, -1) {
		if _, err := strconv.ParseInt(m, 10, 64); err != nil {
			return true
		}
	}
	return false
}
