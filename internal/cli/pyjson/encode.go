package pyjson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
)

// EncodeOptions selects the json.dumps flavour.
type EncodeOptions struct {
	// Indent > 0 pretty-prints with that many spaces per level and ": "
	// between keys and values; 0 writes one line with separators
	// (', ', ': ') like json.dumps's default.
	Indent int
	// Compact uses separators (',', ':') instead, as JMESPath's
	// to_string does.
	Compact bool
	// ASCII escapes every non-ASCII character (ensure_ascii=True).
	ASCII bool
}

// Dumps encodes v like Python's json.dumps with the given options. Values
// json.dumps could not encode fall back to str(), as with default=str.
func Dumps(v any, o EncodeOptions) string {
	var b strings.Builder
	e := encoder{b: &b, o: o}
	e.value(v, 0)
	return b.String()
}

// ErrUnencodable reports a value json.dumps cannot encode (no default=
// hook applies to it), such as a JMESPath expression reference.
var ErrUnencodable = errors.New("value of an unrecognized type")

// DumpsStrict encodes v like Dumps but stops at a value of a type outside
// this package's value model, as json.dump with a default= hook that
// raises TypeError does: it returns the text written up to that value and
// ErrUnencodable.
func DumpsStrict(v any, o EncodeOptions) (string, error) {
	var b strings.Builder
	e := encoder{b: &b, o: o, strict: true}
	e.value(v, 0)
	return b.String(), e.err
}

type encoder struct {
	b      *strings.Builder
	o      EncodeOptions
	strict bool
	err    error // set in strict mode at an unencodable value
}

// separate writes what goes between two items of a list or object.
func (e *encoder) separate() {
	e.b.WriteByte(',')
	if e.o.Indent == 0 && !e.o.Compact {
		e.b.WriteByte(' ')
	}
}

func (e *encoder) newline(level int) {
	if e.o.Indent > 0 {
		e.b.WriteByte('\n')
		e.b.WriteString(strings.Repeat(" ", e.o.Indent*level))
	}
}

func (e *encoder) value(v any, level int) {
	switch x := v.(type) {
	case nil:
		e.b.WriteString("null")
	case bool:
		if x {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case int64:
		e.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		e.b.WriteString(jsonFloat(x))
	case string:
		e.b.WriteString(Quote(x, e.o.ASCII))
	case []any:
		e.list(x, level)
	case *Object:
		e.object(x, level)
	case Datetime:
		e.b.WriteString(Quote(x.Format("2006-01-02T15:04:05"), e.o.ASCII))
	default:
		if e.strict {
			e.err = ErrUnencodable
			return
		}
		e.b.WriteString(Quote(Str(v), e.o.ASCII))
	}
}

func (e *encoder) list(x []any, level int) {
	if len(x) == 0 {
		e.b.WriteString("[]")
		return
	}
	e.b.WriteByte('[')
	for i, el := range x {
		if i > 0 {
			e.separate()
		}
		e.newline(level + 1)
		if e.value(el, level+1); e.err != nil {
			return
		}
	}
	e.newline(level)
	e.b.WriteByte(']')
}

func (e *encoder) object(x *Object, level int) {
	if x.Len() == 0 {
		e.b.WriteString("{}")
		return
	}
	e.b.WriteByte('{')
	for i, k := range x.keys {
		if i > 0 {
			e.separate()
		}
		e.newline(level + 1)
		e.b.WriteString(Quote(k, e.o.ASCII))
		if e.o.Compact {
			e.b.WriteByte(':')
		} else {
			e.b.WriteString(": ")
		}
		if e.value(x.vals[k], level+1); e.err != nil {
			return
		}
	}
	e.newline(level)
	e.b.WriteByte('}')
}

func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return FloatRepr(f)
}

// Quote returns s as a JSON string literal the way json.dumps writes it.
func Quote(s string, ascii bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(&b, `\u%04x`, r)
			case ascii && r > 0x7e && r > 0xffff:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			case ascii && r > 0x7e:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// FloatRepr formats f like Python's repr(float): the shortest digits that
// round-trip, in fixed notation with at least one fractional digit when the
// decimal exponent is in [-4, 16), otherwise as 1.5e+16 / 1e-05.
func FloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sign := ""
	if math.Signbit(f) {
		sign = "-"
		f = -f
	}
	if f == 0 {
		return sign + "0.0"
	}
	// 'e' with -1 precision gives the shortest round-trip digits.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // digits are 0.d1d2... * 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			return sign + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return sign + digits[:decpt] + "." + digits[decpt:]
		}
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	esign := "+"
	if exp < 0 {
		esign = "-"
		exp = -exp
	}
	return fmt.Sprintf("%s%se%s%02d", sign, m, esign, exp)
}
