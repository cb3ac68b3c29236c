package pyjson

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DecodeError is a json.JSONDecodeError: its message reads like Python's,
// e.g. "Expecting value: line 1 column 1 (char 0)".
type DecodeError struct {
	Msg  string
	Pos  int // character (code point) offset
	Line int
	Col  int
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.Msg, e.Line, e.Col, e.Pos)
}

// Decode parses s like Python's json.loads. Objects are marked Ordered when
// ordered is true (json.loads(..., object_pairs_hook=OrderedDict)).
func Decode(s string, ordered bool) (any, error) {
	d := &decoder{s: []rune(s), ordered: ordered}
	if len(d.s) > 0 && d.s[0] == '\ufeff' {
		return nil, d.errAt("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
	}
	pos := d.skipWS(0)
	v, end, err := d.value(pos)
	if err != nil {
		return nil, err
	}
	end = d.skipWS(end)
	if end != len(d.s) {
		return nil, d.errAt("Extra data", end)
	}
	return v, nil
}

type decoder struct {
	s       []rune
	ordered bool
}

// errStop signals Python's StopIteration from scan_once: no value starts at
// the given offset. Callers turn it into "Expecting value".
type errStop struct{ pos int }

func (e *errStop) Error() string { return "stop" }

func (d *decoder) errAt(msg string, pos int) *DecodeError {
	line := 1
	last := -1
	for i := 0; i < pos && i < len(d.s); i++ {
		if d.s[i] == '\n' {
			line++
			last = i
		}
	}
	return &DecodeError{Msg: msg, Pos: pos, Line: line, Col: pos - last}
}

func (d *decoder) skipWS(i int) int {
	for i < len(d.s) {
		switch d.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (d *decoder) has(i int, lit string) bool {
	r := []rune(lit)
	if i+len(r) > len(d.s) {
		return false
	}
	for k, c := range r {
		if d.s[i+k] != c {
			return false
		}
	}
	return true
}

// value parses the value starting at i, returning it and the end offset.
func (d *decoder) value(i int) (any, int, error) {
	v, end, err := d.scanOnce(i)
	if st, ok := err.(*errStop); ok {
		return nil, 0, d.errAt("Expecting value", st.pos)
	}
	return v, end, err
}

func (d *decoder) scanOnce(i int) (any, int, error) {
	if i >= len(d.s) {
		return nil, 0, &errStop{i}
	}
	switch c := d.s[i]; {
	case c == '"':
		return d.str(i + 1)
	case c == '{':
		return d.object(i + 1)
	case c == '[':
		return d.array(i + 1)
	case c == 'n' && d.has(i, "null"):
		return nil, i + 4, nil
	case c == 't' && d.has(i, "true"):
		return true, i + 4, nil
	case c == 'f' && d.has(i, "false"):
		return false, i + 5, nil
	case c == 'N' && d.has(i, "NaN"):
		return math.NaN(), i + 3, nil
	case c == 'I' && d.has(i, "Infinity"):
		return math.Inf(1), i + 8, nil
	case c == '-' && d.has(i, "-Infinity"):
		return math.Inf(-1), i + 9, nil
	}
	return d.number(i)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func (d *decoder) number(start int) (any, int, error) {
	i := start
	if i < len(d.s) && d.s[i] == '-' {
		i++
	}
	switch {
	case i < len(d.s) && d.s[i] == '0':
		i++
	case i < len(d.s) && isDigit(d.s[i]):
		for i < len(d.s) && isDigit(d.s[i]) {
			i++
		}
	default:
		return nil, 0, &errStop{start}
	}
	isFloat := false
	if i+1 < len(d.s) && d.s[i] == '.' && isDigit(d.s[i+1]) {
		isFloat = true
		i += 2
		for i < len(d.s) && isDigit(d.s[i]) {
			i++
		}
	}
	if i < len(d.s) && (d.s[i] == 'e' || d.s[i] == 'E') {
		j := i + 1
		if j < len(d.s) && (d.s[j] == '+' || d.s[j] == '-') {
			j++
		}
		if j < len(d.s) && isDigit(d.s[j]) {
			for j < len(d.s) && isDigit(d.s[j]) {
				j++
			}
			isFloat = true
			i = j
		}
	}
	lit := string(d.s[start:i])
	if isFloat {
		return ParseFloat(lit), i, nil
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		// Python ints are unbounded; beyond int64 keep the closest float.
		return ParseFloat(lit), i, nil
	}
	return n, i, nil
}

// ParseFloat converts a decimal literal the way Python's float() does,
// overflowing to ±inf instead of failing.
func ParseFloat(lit string) float64 {
	f, _ := strconv.ParseFloat(lit, 64)
	return f
}

func (d *decoder) object(i int) (any, int, error) {
	obj := NewObject()
	obj.Ordered = d.ordered
	i = d.skipWS(i)
	if i < len(d.s) && d.s[i] == '}' {
		return obj, i + 1, nil
	}
	if i >= len(d.s) || d.s[i] != '"' {
		return nil, 0, d.errAt("Expecting property name enclosed in double quotes", i)
	}
	for {
		k, end, err := d.str(i + 1)
		if err != nil {
			return nil, 0, err
		}
		i = d.skipWS(end)
		if i >= len(d.s) || d.s[i] != ':' {
			return nil, 0, d.errAt("Expecting ':' delimiter", i)
		}
		i = d.skipWS(i + 1)
		v, end, err := d.value(i)
		if err != nil {
			return nil, 0, err
		}
		obj.Set(k.(string), v)
		i = d.skipWS(end)
		if i < len(d.s) && d.s[i] == '}' {
			return obj, i + 1, nil
		}
		if i >= len(d.s) || d.s[i] != ',' {
			return nil, 0, d.errAt("Expecting ',' delimiter", i)
		}
		i = d.skipWS(i + 1)
		if i >= len(d.s) || d.s[i] != '"' {
			return nil, 0, d.errAt("Expecting property name enclosed in double quotes", i)
		}
	}
}

func (d *decoder) array(i int) (any, int, error) {
	list := []any{}
	i = d.skipWS(i)
	if i < len(d.s) && d.s[i] == ']' {
		return list, i + 1, nil
	}
	for {
		v, end, err := d.value(i)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, v)
		i = d.skipWS(end)
		if i < len(d.s) && d.s[i] == ']' {
			return list, i + 1, nil
		}
		if i >= len(d.s) || d.s[i] != ',' {
			return nil, 0, d.errAt("Expecting ',' delimiter", i)
		}
		i = d.skipWS(i + 1)
	}
}

var simpleEscapes = map[rune]rune{
	'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
}

// str parses a string whose opening quote is at i-1.
func (d *decoder) str(i int) (any, int, error) {
	begin := i - 1
	var b strings.Builder
	for {
		if i >= len(d.s) {
			return nil, 0, d.errAt("Unterminated string starting at", begin)
		}
		c := d.s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, nil
		case c < 0x20:
			return nil, 0, d.errAt("Invalid control character at", i)
		case c != '\\':
			b.WriteRune(c)
			i++
			continue
		}
		i++
		if i >= len(d.s) {
			return nil, 0, d.errAt("Unterminated string starting at", begin)
		}
		esc := d.s[i]
		if r, ok := simpleEscapes[esc]; ok {
			b.WriteRune(r)
			i++
			continue
		}
		if esc != 'u' {
			return nil, 0, d.errAt("Invalid \\escape", i-1)
		}
		r, end, err := d.unicodeEscape(i + 1)
		if err != nil {
			return nil, 0, err
		}
		b.WriteRune(r)
		i = end
	}
}

// unicodeEscape decodes the hex digits of a \u escape starting at i,
// combining a following low surrogate escape as Python does.
func (d *decoder) unicodeEscape(i int) (rune, int, error) {
	end := i + 4
	if end >= len(d.s) {
		return 0, 0, d.errAt("Invalid \\uXXXX escape", i-1)
	}
	c, ok := hex4(d.s[i:end])
	if !ok {
		return 0, 0, d.errAt("Invalid \\uXXXX escape", end-5)
	}
	if c >= 0xd800 && c <= 0xdbff && end+6 < len(d.s) && d.s[end] == '\\' && d.s[end+1] == 'u' {
		c2, ok := hex4(d.s[end+2 : end+6])
		if !ok {
			return 0, 0, d.errAt("Invalid \\uXXXX escape", end+1)
		}
		if c2 >= 0xdc00 && c2 <= 0xdfff {
			return 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00), end + 6, nil
		}
	}
	return c, end, nil
}

func hex4(rs []rune) (rune, bool) {
	var c rune
	for _, r := range rs {
		c <<= 4
		switch {
		case r >= '0' && r <= '9':
			c |= r - '0'
		case r >= 'a' && r <= 'f':
			c |= r - 'a' + 10
		case r >= 'A' && r <= 'F':
			c |= r - 'A' + 10
		default:
			return 0, false
		}
	}
	return c, true
}
