package policy

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of one element of a compiled pattern.
type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // '*': any run of characters, including none
	tokOne                 // '?': exactly one character
	tokVar                 // ${key} or ${key, 'default'}: a context value, literally
)

type token struct {
	kind   tokKind
	text   string // literal text, or the lower-cased context key of a variable
	def    string
	hasDef bool
}

// pattern is a compiled policy string: a sequence of literals, wildcards and
// policy variables. Matching never allocates.
type pattern struct {
	toks []token
	fold bool // ASCII case-insensitive (actions); the tokens are lower-cased
}

// patternSyntax says how a policy string is read.
type patternSyntax struct {
	wildcards bool // '*' and '?' are wildcards (else literal)
	variables bool // ${...} are policy variables (Version 2012-10-17)
}

// compilePattern parses s. It fails only on a malformed policy variable.
func compilePattern(s string, syn patternSyntax) (*pattern, error) {
	p := &pattern{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tokLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case syn.variables && strings.HasPrefix(s[i:], "${"):
			t, n, err := parseVariable(s[i:])
			if err != nil {
				return nil, err
			}
			i += n
			if t.kind == tokLit {
				lit.WriteString(t.text)
				continue
			}
			flush()
			p.toks = append(p.toks, t)
		case syn.wildcards && (c == '*' || c == '?'):
			flush()
			k := tokOne
			if c == '*' {
				k = tokStar
			}
			p.toks = append(p.toks, token{kind: k})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return p, nil
}

// value returns the text a literal or variable token stands for in ctx; ok
// is false for a variable with no single value in ctx and no default.
func (t *token) value(ctx Context) (string, bool) {
	if t.kind != tokVar {
		return t.text, true
	}
	if v := ctx[t.text]; len(v) == 1 {
		return v[0], true
	}
	return t.def, t.hasDef
}

// match reports whether the whole of s matches the pattern. A variable that
// cannot be resolved makes the pattern match nothing.
func (p *pattern) match(s string, ctx Context) bool {
	toks := p.toks
	// Fast paths for the common shapes: "lit", "lit*" and "lit*lit".
	switch {
	case len(toks) == 1 && toks[0].kind == tokLit:
		return len(s) == len(toks[0].text) && p.hasPrefix(s, toks[0].text)
	case len(toks) == 2 && toks[0].kind == tokLit && toks[1].kind == tokStar:
		return p.hasPrefix(s, toks[0].text)
	case len(toks) == 3 && toks[0].kind == tokLit && toks[1].kind == tokStar && toks[2].kind == tokLit:
		a, b := toks[0].text, toks[2].text
		return len(s) >= len(a)+len(b) && p.hasPrefix(s, a) && p.hasPrefix(s[len(s)-len(b):], b)
	}
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					si += runeLen(s[si:])
					ti++
					continue
				}
			default:
				lit, ok := t.value(ctx)
				if !ok {
					return false
				}
				if p.hasPrefix(s[si:], lit) {
					si += len(lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '*' take one more character, or jump to
		// the next place where the literal after it can start.
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		starSi += runeLen(s[starSi:])
		if next, ok := p.skipTo(toks[starTi+1], s, starSi); ok {
			if next < 0 {
				return false
			}
			starSi = next
		}
		ti, si = starTi+1, starSi
	}
}

// skipTo finds the first index from i where the literal token t could start
// in s (-1 if none). It answers only when t is a literal whose first byte is
// ASCII, which is always the start of a character for the rune-by-rune
// advance of '*'.
func (p *pattern) skipTo(t token, s string, i int) (int, bool) {
	if t.kind != tokLit || t.text == "" || t.text[0] >= utf8.RuneSelf {
		return 0, false
	}
	c := t.text[0]
	j := strings.IndexByte(s[i:], c)
	if p.fold && 'a' <= c && c <= 'z' {
		if k := strings.IndexByte(s[i:], c-'a'+'A'); k >= 0 && (j < 0 || k < j) {
			j = k
		}
	}
	if j < 0 {
		return -1, true
	}
	return i + j, true
}

// runeLen is the length of the first character of a non-empty s; an invalid
// byte counts as one character, as in utf8.DecodeRuneInString.
func runeLen(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

func (p *pattern) hasPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	if !p.fold {
		return s[:len(prefix)] == prefix
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// toLowerASCII lower-cases the ASCII letters of s only, as matching does.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}
