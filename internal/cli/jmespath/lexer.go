// Package jmespath evaluates JMESPath expressions over pyjson values with
// the behaviour of the Python jmespath 1.1 library the AWS CLI v1 uses: the
// same grammar, the same result types (ints stay ints, objects keep their
// key order) and the same error messages.
package jmespath

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// token is one lexical token; start is a character offset.
type token struct {
	typ   string
	value any // string, int64 or a JSON literal value
	start int
	raw   string // a number beyond 64 bits as written; value saturates
}

// shown is the token's value as Python's error messages print it.
func (t token) shown() any {
	if t.raw != "" {
		return t.raw
	}
	return t.value
}

// LexerError is jmespath's LexerError.
type LexerError struct {
	pos        int
	msg        string
	expression string
}

func (e *LexerError) Error() string {
	return fmt.Sprintf("Bad jmespath expression: %s:\n%s\n%s^", e.msg, e.expression, strings.Repeat(" ", e.pos))
}

var simpleTokens = map[rune]string{
	'.': "dot", '*': "star", ']': "rbracket", ',': "comma", ':': "colon",
	'@': "current", '(': "lparen", ')': "rparen", '{': "lbrace", '}': "rbrace",
}

func isIdentStart(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isIdentChar(r rune) bool { return isIdentStart(r) || (r >= '0' && r <= '9') }

type lexer struct {
	s   []rune
	pos int
}

func (l *lexer) cur() (rune, bool) {
	if l.pos < len(l.s) {
		return l.s[l.pos], true
	}
	return 0, false
}

func tokenize(expr string) ([]token, error) {
	l := &lexer{s: []rune(expr)}
	var out []token
	for {
		c, ok := l.cur()
		if !ok {
			return append(out, token{typ: "eof", value: "", start: len(l.s)}), nil
		}
		t, err := l.next(c)
		if err != nil {
			if le, ok := err.(*LexerError); ok {
				le.expression = expr
			}
			return nil, err
		}
		if t != nil {
			out = append(out, *t)
		}
	}
}

func (l *lexer) next(c rune) (*token, error) {
	start := l.pos
	if typ, ok := simpleTokens[c]; ok {
		l.pos++
		return &token{typ: typ, value: string(c), start: start}, nil
	}
	switch {
	case isIdentStart(c):
		for l.pos++; l.pos < len(l.s) && isIdentChar(l.s[l.pos]); l.pos++ {
		}
		return &token{typ: "unquoted_identifier", value: string(l.s[start:l.pos]), start: start}, nil
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		l.pos++
		return nil, nil
	case c == '[':
		l.pos++
		n, _ := l.cur()
		switch {
		case l.pos < len(l.s) && n == ']':
			l.pos++
			return &token{typ: "flatten", value: "[]", start: start}, nil
		case l.pos < len(l.s) && n == '?':
			l.pos++
			return &token{typ: "filter", value: "[?", start: start}, nil
		}
		return &token{typ: "lbracket", value: "[", start: start}, nil
	case c == '\'':
		return l.rawString()
	case c == '|':
		return l.matchOr('|', "or", "pipe"), nil
	case c == '&':
		return l.matchOr('&', "and", "expref"), nil
	case c == '`':
		return l.literal()
	case c >= '0' && c <= '9' || c == '-':
		return l.number()
	case c == '"':
		return l.quotedIdentifier()
	case c == '<':
		return l.matchOr('=', "lte", "lt"), nil
	case c == '>':
		return l.matchOr('=', "gte", "gt"), nil
	case c == '!':
		return l.matchOr('=', "ne", "not"), nil
	case c == '=':
		l.pos++
		if n, ok := l.cur(); ok && n == '=' {
			l.pos++
			return &token{typ: "eq", value: "==", start: start}, nil
		}
		pos := l.pos - 1
		if l.pos >= len(l.s) {
			// Python's lexer never advanced past the last character.
			pos = len(l.s) - 1
		}
		return nil, &LexerError{pos: pos, msg: "Unknown token '='"}
	}
	return nil, &LexerError{pos: start, msg: "Unknown token " + string(c)}
}

func (l *lexer) matchOr(expected rune, match, other string) *token {
	start := l.pos
	c := l.s[l.pos]
	l.pos++
	if n, ok := l.cur(); ok && n == expected {
		l.pos++
		return &token{typ: match, value: string(c) + string(n), start: start}
	}
	return &token{typ: other, value: string(c), start: start}
}

func (l *lexer) number() (*token, error) {
	start := l.pos
	for l.pos++; l.pos < len(l.s) && l.s[l.pos] >= '0' && l.s[l.pos] <= '9'; l.pos++ {
	}
	lit := string(l.s[start:l.pos])
	if lit == "-" {
		return nil, &LexerError{pos: start, msg: "Unknown token '-'"}
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		// Out of range: Python keeps the exact int. As an index or slice
		// bound the saturated value selects the same elements.
		return &token{typ: "number", value: n, start: start, raw: lit}, nil
	}
	return &token{typ: "number", value: n, start: start}, nil
}

// consumeUntil returns the text up to the closing delimiter, keeping
// backslash escapes, as jmespath's _consume_until does.
func (l *lexer) consumeUntil(delim rune) (string, error) {
	start := l.pos
	var b strings.Builder
	l.pos++
	for {
		c, ok := l.cur()
		if ok && c == delim {
			break
		}
		if ok && c == '\\' {
			b.WriteRune('\\')
			l.pos++
			c, ok = l.cur()
		}
		if !ok {
			return "", &LexerError{pos: start, msg: "Unclosed " + string(delim) + " delimiter"}
		}
		b.WriteRune(c)
		l.pos++
	}
	l.pos++
	return b.String(), nil
}

func (l *lexer) literal() (*token, error) {
	start := l.pos
	lexeme, err := l.consumeUntil('`')
	if err != nil {
		return nil, err
	}
	lexeme = strings.ReplaceAll(lexeme, "\\`", "`")
	v, err := pyjson.Decode(lexeme, false)
	if err != nil {
		// JEP-12 deprecated form: an unquoted string literal.
		v, err = pyjson.Decode(`"`+strings.TrimLeftFunc(lexeme, pySpace)+`"`, false)
		if err != nil {
			return nil, &LexerError{pos: start, msg: "Bad token " + lexeme}
		}
	}
	return &token{typ: "literal", value: v, start: start}, nil
}

func (l *lexer) quotedIdentifier() (*token, error) {
	start := l.pos
	lexeme, err := l.consumeUntil('"')
	if err != nil {
		return nil, err
	}
	v, err := pyjson.Decode(`"`+lexeme+`"`, false)
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), ":")
		return nil, &LexerError{pos: start, msg: msg}
	}
	return &token{typ: "quoted_identifier", value: v, start: start}, nil
}

func (l *lexer) rawString() (*token, error) {
	start := l.pos
	lexeme, err := l.consumeUntil('\'')
	if err != nil {
		return nil, err
	}
	return &token{typ: "literal", value: strings.ReplaceAll(lexeme, "\\'", "'"), start: start}, nil
}
