package difftest

import (
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// exprGen builds one random expression over a document.
type exprGen struct {
	g *Gen
	p *paths
}

// Expr returns a random JMESPath expression meant for doc: mostly valid
// and well typed (paths into doc, typed function arguments), sometimes
// wrongly typed, of the wrong arity, calling an unknown function, or
// corrupted into a syntax error.
func (g *Gen) Expr(doc any) string {
	e := &exprGen{g: g, p: collectPaths(doc)}
	s := e.expr(g.r.IntN(4) + 1)
	if g.chance(0.06) {
		s = g.corrupt(s)
	}
	return s
}

// corrupt deletes, duplicates or inserts one character.
func (g *Gen) corrupt(s string) string {
	r := []rune(s)
	i := g.r.IntN(len(r) + 1)
	switch g.r.IntN(3) {
	case 0:
		if i < len(r) {
			return string(r[:i]) + string(r[i+1:])
		}
	case 1:
		if i < len(r) {
			return string(r[:i+1]) + string(r[i:])
		}
	}
	ins := []rune("[]{}().,|&!=<>`'\"@*?:-0123456789 a")
	return string(r[:i]) + string(ins[g.r.IntN(len(ins))]) + string(r[i:])
}

// expr returns an expression of any type, nested at most depth levels.
func (e *exprGen) expr(depth int) string {
	g := e.g
	if depth <= 0 {
		return e.leaf()
	}
	d := depth - 1
	switch g.r.IntN(16) {
	case 0, 1:
		return e.leaf()
	case 2:
		return e.expr(d) + "." + e.dotRHS(d)
	case 3:
		return e.expr(d) + e.bracket(d)
	case 4:
		return e.expr(d) + " | " + e.expr(d)
	case 5:
		return e.expr(d) + pick(g, " || ", " && ") + e.expr(d)
	case 6:
		return "!" + e.expr(d)
	case 7:
		return e.compare(d)
	case 8, 9, 10:
		return e.call(d)
	case 11:
		return "(" + e.expr(d) + ")"
	case 12:
		return e.multiList(d)
	case 13:
		return e.multiHash(d)
	case 14:
		return e.typed(pick(g, "array", "object", "array-number", "array-string"), d) + e.bracket(d)
	}
	if g.chance(0.15) {
		return "&" + e.expr(d)
	}
	return e.path("")
}

// leaf is an identifier, a path into the document, a literal or @.
func (e *exprGen) leaf() string {
	g := e.g
	switch g.r.IntN(7) {
	case 0:
		return e.ident()
	case 1, 2:
		return e.path("")
	case 6:
		return e.edge()
	case 3:
		return "@"
	case 4:
		return e.literal("")
	}
	return e.rawString()
}

func (e *exprGen) ident() string {
	if len(e.p.keys) > 0 && e.g.chance(0.8) {
		return Ident(pick(e.g, e.p.keys...))
	}
	return Ident(pick(e.g, keyPool...))
}

// path returns a path to a value of type t ("" for any type).
func (e *exprGen) path(t string) string {
	if t == "" {
		t = pick(e.g, "null", "boolean", "string", "number", "array", "object", "array-string", "array-number")
	}
	if ps := e.p.byType[t]; len(ps) > 0 {
		return pick(e.g, ps...)
	}
	return e.ident()
}

func (e *exprGen) dotRHS(d int) string {
	switch e.g.r.IntN(6) {
	case 0:
		return "*"
	case 1:
		return e.multiList(d)
	case 2:
		return e.multiHash(d)
	}
	return e.ident()
}

func (e *exprGen) bracket(d int) string {
	g := e.g
	num := func() string { return fmt.Sprint(g.r.IntN(9) - 4) }
	opt := func() string {
		if g.chance(0.4) {
			return ""
		}
		return num()
	}
	switch g.r.IntN(7) {
	case 0:
		return "[" + num() + "]"
	case 1:
		s := "[" + opt() + ":" + opt()
		if g.chance(0.5) {
			s += ":" + opt()
		}
		return s + "]"
	case 2:
		return "[*]"
	case 3:
		return "[]"
	case 4, 5:
		return "[?" + e.cond(d) + "]"
	}
	return "[*]." + e.ident()
}

// cond is a filter condition over a list element.
func (e *exprGen) cond(d int) string {
	g := e.g
	switch g.r.IntN(6) {
	case 0:
		return e.ident()
	case 1:
		return "!" + e.ident()
	case 2:
		return e.cond(d-1) + pick(g, " && ", " || ") + e.cond(d-1)
	case 3:
		return e.ident() + pick(g, "==", "!=", "<", "<=", ">", ">=") + e.literal(pick(g, "string", "number", "boolean", "null"))
	case 4:
		return e.ident() + pick(g, " == ", " > ") + e.ident()
	}
	if d <= 0 {
		return "@"
	}
	return e.expr(d - 1)
}

func (e *exprGen) compare(d int) string {
	t := pick(e.g, "number", "string", "")
	op := pick(e.g, "==", "!=", "<", "<=", ">", ">=")
	return e.typed(t, d) + " " + op + " " + e.typed(t, d)
}

func (e *exprGen) multiList(d int) string {
	parts := make([]string, e.g.r.IntN(3)+1)
	for i := range parts {
		parts[i] = e.expr(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (e *exprGen) multiHash(d int) string {
	parts := make([]string, e.g.r.IntN(3)+1)
	for i := range parts {
		parts[i] = e.ident() + ": " + e.expr(d)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// literal is a JSON literal of type t ("" for any).
func (e *exprGen) literal(t string) string {
	g := e.g
	var v any
	switch t {
	case "string":
		v = pick(g, stringPool...)
	case "number":
		v = pick[any](g, int64(g.r.IntN(11)-5), pick(g, floatPool...))
	case "boolean":
		v = g.chance(0.5)
	case "null":
		v = nil
	case "array", "array-number", "array-string", "object":
		v = e.typedValue(t)
	default:
		v = g.Value(2)
	}
	// Backticks inside a literal are escaped with a backslash.
	return "`" + strings.ReplaceAll(pyjson.Dumps(v, pyjson.EncodeOptions{}), "`", "\\`") + "`"
}

func (e *exprGen) typedValue(t string) any {
	g := e.g
	var out []any
	switch t {
	case "object":
		return g.Object(2)
	case "array-number":
		for range g.r.IntN(5) {
			out = append(out, pick[any](g, int64(g.r.IntN(21)-10), pick(g, floatPool...)))
		}
	case "array-string":
		for range g.r.IntN(5) {
			out = append(out, pick(g, stringPool...))
		}
	default:
		return g.List(2)
	}
	if out == nil {
		return []any{}
	}
	return out
}

func (e *exprGen) rawString() string {
	s := pick(e.g, stringPool...)
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
