package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// This file implements the AWS CLI's shorthand syntax (awscli/shorthand.py):
// a purely syntactic parser producing objects, lists and strings, followed
// by the model-driven back-compat pass that wraps scalars into lists and
// converts integers and booleans.

// shorthandError is a ShorthandParseError; the CLI reports it as a
// ParamError for the option.
type shorthandError struct {
	msg    string
	syntax bool // a ShorthandParseSyntaxError
}

func (e *shorthandError) Error() string { return e.msg }

// Character classes of the shorthand value regexes. They stop at U+FFFF,
// as Python's do, so characters beyond the BMP never match.
const (
	scStartWord    = `!#-&(-+\--<>-Z\\-z|-\x{ffff}`
	scFirstFollow  = `\t-\r\x1c-\x1f !#-&(-+\--\\^-|~-\x{ffff}`
	scSecondFollow = `\t-\r\x1c-\x1f !#-&(-+\--<>-\x{ffff}`
	scEscapedComma = `(\\,)`
)

var (
	reFirstValue  = regexp.MustCompile(`^(` + scEscapedComma + `|[` + scStartWord + `])(` + scEscapedComma + `|[` + scFirstFollow + `])*`)
	reSecondValue = regexp.MustCompile(`^(` + scEscapedComma + `|[` + scStartWord + `])(` + scEscapedComma + `|[` + scSecondFollow + `])*`)
	reSingleQuote = regexp.MustCompile(`^'(?:\\'|[^'])*'`)
	reDoubleQuote = regexp.MustCompile(`^"(?:\\"|[^"])*"`)
)

const shorthandKeyChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#/:"

type shorthandParser struct {
	s       []rune
	i       int
	resolve bool // the key used "@=": values may be file:// references
	files   func(string) (string, bool, error)
}

// parseShorthand parses one shorthand string into an object.
func parseShorthand(value string, files func(string) (string, bool, error)) (*pyjson.Object, error) {
	p := &shorthandParser{s: []rune(value), files: files}
	return p.parameter()
}

func (p *shorthandParser) eof() bool { return p.i >= len(p.s) }

func (p *shorthandParser) cur() rune {
	if p.eof() {
		return -1
	}
	return p.s[p.i]
}

func (p *shorthandParser) syntaxError(expected, actual string) error {
	// Python's message forgets the f-string prefix on its last line, so the
	// error location is never shown; keep that.
	return &shorthandError{msg: fmt.Sprintf("Expected: '%s', received: '%s' for input:\n{self._error_location()}", expected, actual), syntax: true}
}

func (p *shorthandParser) errorLocation(index int) string {
	consumed, remaining, spaces := string(p.s), "", index
	before := string(p.s[:index])
	if nl := strings.LastIndex(before, "\n"); nl >= 0 {
		spaces = index - len([]rune(before[:nl])) - 1
	}
	after := p.s[index:]
	for k, r := range after {
		if r == '\n' {
			consumed = string(p.s[:index+k])
			remaining = string(p.s[index+k:])
			break
		}
	}
	return consumed + "\n" + strings.Repeat(" ", spaces) + "^" + remaining
}

func (p *shorthandParser) parameter() (*pyjson.Object, error) {
	params := pyjson.NewObject()
	k, v, err := p.keyval()
	if err != nil {
		return nil, err
	}
	params.Set(k, v)
	last := p.i
	for !p.eof() {
		if err := p.expect(',', true); err != nil {
			return nil, err
		}
		k, v, err := p.keyval()
		if err != nil {
			return nil, err
		}
		if _, dup := params.Get(k); dup {
			return nil, &shorthandError{msg: fmt.Sprintf("Second instance of key \"%s\" encountered for input:\n%s\nThis is often because there is a preceding \",\" instead of a space.", k, p.errorLocation(last+1))}
		}
		params.Set(k, v)
		last = p.i
	}
	return params, nil
}

func (p *shorthandParser) keyval() (string, any, error) {
	k := p.key()
	if err := p.atSign(); err != nil {
		return "", nil, err
	}
	if err := p.expect('=', true); err != nil {
		return "", nil, err
	}
	v, err := p.values()
	return k, v, err
}

// atSign consumes an optional "@" before "=" (file references allowed).
func (p *shorthandParser) atSign() error {
	p.resolve = false
	save := p.i
	if p.expect('@', true) == nil {
		p.resolve = true
		return nil
	}
	p.i = save
	return nil
}

func (p *shorthandParser) key() string {
	start := p.i
	for !p.eof() && strings.ContainsRune(shorthandKeyChars, p.cur()) {
		p.i++
	}
	return string(p.s[start:p.i])
}

func (p *shorthandParser) values() (any, error) {
	switch {
	case p.eof():
		return "", nil
	case p.cur() == '[':
		return p.explicitList()
	case p.cur() == '{':
		return p.hashLiteral()
	}
	return p.csvValue()
}

func (p *shorthandParser) csvValue() (any, error) {
	first, err := p.firstValue()
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if p.eof() || p.cur() != ',' {
		return first, nil
	}
	if err := p.expect(',', true); err != nil {
		return nil, err
	}
	list := []any{first}
	for {
		v, done, err := p.nextCSV()
		if se, ok := err.(*shorthandError); ok && se.syntax {
			if p.eof() {
				return nil, err
			}
			p.backtrackTo(',')
			break
		}
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		if done {
			break
		}
	}
	if len(list) == 1 {
		return first, nil
	}
	return list, nil
}

// nextCSV parses one more comma-separated value; done reports the end of
// the input.
func (p *shorthandParser) nextCSV() (any, bool, error) {
	v, err := p.secondValue()
	if err != nil {
		return nil, false, err
	}
	p.skipWS()
	if p.eof() {
		return v, true, nil
	}
	return v, false, p.expect(',', true)
}

func (p *shorthandParser) backtrackTo(c rune) {
	for p.i >= 0 && (p.i >= len(p.s) || p.s[p.i] != c) {
		p.i--
	}
}

func (p *shorthandParser) explicitList() (any, error) {
	if err := p.expect('[', true); err != nil {
		return nil, err
	}
	list := []any{}
	for p.cur() != ']' {
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		p.skipWS()
		if p.cur() != ']' {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.skipWS()
		}
	}
	return list, p.expect(']', false)
}

func (p *shorthandParser) explicitValues() (any, error) {
	switch p.cur() {
	case '[':
		return p.explicitList()
	case '{':
		return p.hashLiteral()
	}
	return p.firstValue()
}

func (p *shorthandParser) hashLiteral() (any, error) {
	if err := p.expect('{', true); err != nil {
		return nil, err
	}
	obj := pyjson.NewObject()
	for p.cur() != '}' {
		k := p.key()
		if err := p.atSign(); err != nil {
			return nil, err
		}
		if err := p.expect('=', true); err != nil {
			return nil, err
		}
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		p.skipWS()
		if p.cur() != '}' {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.skipWS()
		}
		obj.Set(k, v)
	}
	return obj, p.expect('}', false)
}

func (p *shorthandParser) firstValue() (any, error) {
	switch p.cur() {
	case '\'':
		return p.quoted(reSingleQuote, '\'')
	case '"':
		return p.quoted(reDoubleQuote, '"')
	}
	m := reFirstValue.FindString(string(p.s[p.i:]))
	if m == "" {
		return "", nil
	}
	p.i += len([]rune(m))
	return p.maybeFile(pyRstrip(strings.ReplaceAll(m, `\,`, ",")))
}

func (p *shorthandParser) secondValue() (any, error) {
	switch p.cur() {
	case '\'':
		return p.quoted(reSingleQuote, '\'')
	case '"':
		return p.quoted(reDoubleQuote, '"')
	}
	m := reSecondValue.FindString(string(p.s[p.i:]))
	if m == "" {
		return nil, p.syntaxError("<second>", "<none>")
	}
	p.i += len([]rune(m))
	return p.maybeFile(pyRstrip(strings.ReplaceAll(m, `\,`, ",")))
}

func (p *shorthandParser) quoted(re *regexp.Regexp, q rune) (any, error) {
	m := re.FindString(string(p.s[p.i:]))
	if m == "" {
		name := map[rune]string{'\'': "singled quoted", '"': "double quoted"}[q]
		return nil, p.syntaxError("<"+name+">", "<none>")
	}
	p.i += len([]rune(m))
	r := []rune(m)
	v := string(r[1 : len(r)-1])
	v = strings.ReplaceAll(v, `\`+string(q), string(q))
	v = strings.ReplaceAll(v, `\\`, `\`)
	return p.maybeFile(v)
}

func (p *shorthandParser) maybeFile(v string) (any, error) {
	if !p.resolve || p.files == nil {
		return v, nil
	}
	content, ok, err := p.files(v)
	if err != nil {
		return nil, err
	}
	if ok {
		return content, nil
	}
	return v, nil
}

func (p *shorthandParser) expect(c rune, ws bool) error {
	if ws {
		p.skipWS()
	}
	if p.eof() {
		return p.syntaxError(string(c), "EOF")
	}
	if actual := p.s[p.i]; actual != c {
		return p.syntaxError(string(c), string(actual))
	}
	p.i++
	if ws {
		p.skipWS()
	}
	return nil
}

func (p *shorthandParser) skipWS() {
	for !p.eof() && strings.ContainsRune(" \t\n\r\x0b\x0c", p.cur()) {
		p.i++
	}
}

// pyRstrip is Python's str.rstrip() (Unicode whitespace).
func pyRstrip(s string) string {
	return strings.TrimRightFunc(s, isPySpace)
}

func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// backCompat is the AWS CLI's BackCompatVisitor: it walks the parsed value
// with the model, wrapping non-list values of list members into a list and
// converting integer and boolean members.
func backCompat(v any, s *shape) error {
	_, err := visitBackCompat(v, s)
	return err
}

// visitBackCompat returns the value to store in the parent in place of v.
func visitBackCompat(v any, s *shape) (any, error) {
	switch s.typ {
	case typeStructure:
		obj, ok := v.(*pyjson.Object)
		if !ok {
			return v, nil
		}
		for _, m := range s.members {
			cur, present := obj.Get(m.name)
			nv, err := visitBackCompat(cur, m.shape)
			if err != nil {
				return nil, err
			}
			if present {
				obj.Set(m.name, nv)
			}
		}
		return obj, nil
	case typeList:
		list, ok := v.([]any)
		if !ok {
			if v == nil {
				return nil, nil
			}
			return []any{v}, nil
		}
		for i, el := range list {
			nv, err := visitBackCompat(el, s.member)
			if err != nil {
				return nil, err
			}
			list[i] = nv
		}
		return list, nil
	}
	return convertScalar(v, s)
}

func convertScalar(v any, s *shape) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.typ {
	case typeInteger:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyjson.TypeName(v))
		}
		return pyInt(str)
	case typeBoolean:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'lower'", pyjson.TypeName(v))
		}
		switch strings.ToLower(str) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return v, nil
}
