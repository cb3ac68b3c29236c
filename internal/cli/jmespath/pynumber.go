package jmespath

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Python's int() and float() grammars for decimal strings (after
// normalization to ASCII digits): single underscores may separate digits.
var (
	pyIntRe   = regexp.MustCompile(`^[+-]?[0-9](?:_?[0-9])*$`)
	pyFloatRe = regexp.MustCompile(`^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$`)
	pySpecial = regexp.MustCompile(`^(?i)([+-]?)(inf|infinity|nan)$`)
)

// parseNumber is to_number() of a string: int(s), else float(s), else
// None. An int beyond 64 bits becomes a float (see the package doc of cli).
func parseNumber(s string) any {
	t := strings.TrimSpace(pyNormalize(s))
	if pyIntRe.MatchString(t) {
		digits := strings.ReplaceAll(t, "_", "")
		if i, err := strconv.ParseInt(digits, 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(digits, 64)
		return f
	}
	if pyFloatRe.MatchString(t) {
		// Out of range, ParseFloat gives ±Inf or 0 like Python.
		f, _ := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
		return f
	}
	if m := pySpecial.FindStringSubmatch(t); m != nil {
		if strings.EqualFold(m[2], "nan") {
			return math.NaN()
		}
		if m[1] == "-" {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	return nil
}

// pyNormalize maps non-ASCII decimal digits to ASCII and non-ASCII white
// space to a space, as Python's int() and float() do before parsing.
func pyNormalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			// ASCII white space is C's isspace, without the separators
			// 0x1c-0x1f that str.isspace counts.
		case unicode.Is(unicode.Nd, r):
			r = '0' + digitValue(r)
		case unicode.IsSpace(r):
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pySpace is Python's str.isspace for one character: Go's white space
// plus the ASCII file, group, record and unit separators.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// digitValue is the value of a decimal digit: Unicode encodes each set
// of decimal digits as a contiguous run starting at zero.
func digitValue(r rune) rune {
	start := r
	for start > 0 && unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return (r - start) % 10
}
