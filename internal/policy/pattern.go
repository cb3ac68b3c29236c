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

// parseVariable reads one ${...} at the start of s and returns it with the
// number of bytes it took. ${*}, ${?} and ${$} come back as literals.
func parseVariable(s string) (token, int, error) {
	end := strings.IndexByte(s, '}')
	comma := strings.IndexByte(s, ',')
	if end < 0 {
		return token{}, 0, errorf("", "unterminated policy variable %q", s)
	}
	if comma < 0 || comma > end {
		key := strings.TrimSpace(s[2:end])
		switch key {
		case "*", "?", "$":
			return token{kind: tokLit, text: key}, end + 1, nil
		}
		if err := checkVariableKey(key, s[:end+1]); err != nil {
			return token{}, 0, err
		}
		return token{kind: tokVar, text: strings.ToLower(key)}, end + 1, nil
	}
	key := strings.TrimSpace(s[2:comma])
	rest := strings.TrimLeft(s[comma+1:], " ")
	if !strings.HasPrefix(rest, "'") {
		return token{}, 0, errorf("", "policy variable %q: default value must be in single quotes", s[:end+1])
	}
	q := strings.IndexByte(rest[1:], '\'')
	if q < 0 {
		return token{}, 0, errorf("", "policy variable %q: unterminated default value", s)
	}
	def := rest[1 : 1+q]
	after := strings.TrimLeft(rest[2+q:], " ")
	if !strings.HasPrefix(after, "}") {
		return token{}, 0, errorf("", "policy variable %q: expected } after the default value", s)
	}
	n := len(s) - len(after) + 1
	if err := checkVariableKey(key, s[:n]); err != nil {
		return token{}, 0, err
	}
	return token{kind: tokVar, text: strings.ToLower(key), def: def, hasDef: true}, n, nil
}

func checkVariableKey(key, whole string) error {
	if key == "" || strings.ContainsAny(key, " \t\r\n${'") {
		return errorf("", "malformed policy variable %q", whole)
	}
	return nil
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

// hasWildcard reports whether the pattern contains '*' or '?'.
func (p *pattern) hasWildcard() bool {
	for _, t := range p.toks {
		if t.kind == tokStar || t.kind == tokOne {
			return true
		}
	}
	return false
}

// match reports whether the whole of s matches the pattern. A variable that
// cannot be resolved makes the pattern match nothing.
func (p *pattern) match(s string, ctx Context) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(p.toks) {
			t := &p.toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
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
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
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
