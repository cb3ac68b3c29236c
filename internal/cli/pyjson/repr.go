package pyjson

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Str returns Python's str(v).
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Datetime:
		return x.Format("2006-01-02 15:04:05")
	}
	return Repr(v)
}

// Repr returns Python's repr(v).
func Repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FloatRepr(x)
	case string:
		return QuoteRepr(x)
	case []byte:
		return "b" + QuoteRepr(string(x))
	case []any:
		parts := make([]string, len(x))
		for i, el := range x {
			parts[i] = Repr(el)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *Object:
		return objectRepr(x)
	case Datetime:
		return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d)",
			x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute())
	}
	return fmt.Sprint(v)
}

func objectRepr(o *Object) string {
	if o.Ordered {
		if o.Len() == 0 {
			return "OrderedDict()"
		}
		parts := make([]string, 0, o.Len())
		for _, k := range o.keys {
			parts = append(parts, "("+QuoteRepr(k)+", "+Repr(o.vals[k])+")")
		}
		return "OrderedDict([" + strings.Join(parts, ", ") + "])"
	}
	parts := make([]string, 0, o.Len())
	for _, k := range o.keys {
		parts = append(parts, QuoteRepr(k)+": "+Repr(o.vals[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// QuoteRepr returns Python's repr of a str: single quotes unless the text
// contains a single quote and no double quote, with non-printable
// characters escaped.
func QuoteRepr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f || isPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// isPrintable follows str.isprintable: everything but the Other and
// Separator categories, except the ASCII space.
func isPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.In(r, unicode.C, unicode.Z) {
		return false
	}
	// Unassigned code points (category Cn) are not printable either.
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}
