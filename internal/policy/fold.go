package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// equalFold reports whether s equals the text of a wildcard-free pattern
// under Unicode case folding, as strings.EqualFold does, without building
// the pattern's text.
func (p *pattern) equalFold(s string, ctx Context) bool {
	if len(p.toks) == 1 {
		lit, ok := p.toks[0].value(ctx)
		return ok && strings.EqualFold(s, lit)
	}
	for i := range p.toks {
		lit, ok := p.toks[i].value(ctx)
		if !ok {
			return false
		}
		for _, r := range lit {
			if s == "" {
				return false
			}
			sr, n := utf8.DecodeRuneInString(s)
			if !equalFoldRune(sr, r) {
				return false
			}
			s = s[n:]
		}
	}
	return s == ""
}

// equalFoldRune reports whether a and b are equal under simple case folding.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}
