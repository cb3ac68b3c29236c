package difftest

import (
	"sort"
	"strings"
)

// signatures lists every built-in function with the argument types the
// generator aims for; "expref-X" is an expression reference whose body
// yields X for each element; a trailing "..." makes the last one variadic.
var signatures = map[string][]string{
	"abs":         {"number"},
	"avg":         {"array-number"},
	"ceil":        {"number"},
	"contains":    {"array|string", ""},
	"ends_with":   {"string", "string"},
	"floor":       {"number"},
	"join":        {"string", "array-string"},
	"keys":        {"object"},
	"length":      {"string|array|object"},
	"map":         {"expref-", "array"},
	"max":         {"array-number|array-string"},
	"max_by":      {"array", "expref-number|string"},
	"merge":       {"object", "object..."},
	"min":         {"array-number|array-string"},
	"min_by":      {"array", "expref-number|string"},
	"not_null":    {"", "..."},
	"reverse":     {"array|string"},
	"sort":        {"array-number|array-string"},
	"sort_by":     {"array", "expref-number|string"},
	"starts_with": {"string", "string"},
	"sum":         {"array-number"},
	"to_array":    {""},
	"to_number":   {"string|number"},
	"to_string":   {""},
	"type":        {""},
	"values":      {"object"},
}

// returns lists functions by the type they return, for typed().
var returns = map[string][]string{
	"number":       {"abs", "avg", "ceil", "floor", "length", "sum", "to_number", "max", "min"},
	"string":       {"join", "to_string", "type", "reverse", "max", "min"},
	"array":        {"keys", "values", "map", "sort", "sort_by", "to_array", "reverse"},
	"array-string": {"keys", "sort"},
	"array-number": {"sort"},
	"object":       {"merge", "max_by", "min_by"},
	"boolean":      {"contains", "ends_with", "starts_with"},
}

var unknownFunctions = []string{"foo", "lenght", "sortby", "to_bool", "Length", "abs2"}

var functionNames = func() []string {
	var names []string
	for n := range signatures {
		names = append(names, n)
	}
	sort.Strings(names) // map order is random; runs must repeat
	return names
}()

// call is a function call, usually well typed; sometimes of the wrong
// arity or calling an unknown function.
func (e *exprGen) call(d int) string {
	return e.callNamed(pick(e.g, functionNames...), d)
}

func (e *exprGen) callNamed(name string, d int) string {
	g := e.g
	if g.chance(0.03) {
		name = pick(g, unknownFunctions...)
	}
	sig := signatures[name]
	var args []string
	for _, t := range sig {
		if t == "..." || t == "object..." {
			base := strings.TrimSuffix(t, "...")
			for range g.r.IntN(3) {
				args = append(args, e.typed(base, d))
			}
			continue
		}
		if g.chance(0.08) {
			t = "" // a wrong type, probably
		}
		args = append(args, e.arg(t, d))
	}
	switch {
	case g.chance(0.04) && len(args) > 0:
		args = args[:len(args)-1]
	case g.chance(0.04):
		args = append(args, e.expr(d))
	}
	return name + "(" + strings.Join(args, ", ") + ")"
}

func (e *exprGen) arg(t string, d int) string {
	if body, ok := strings.CutPrefix(t, "expref-"); ok {
		return "&" + e.elemExpr(body, d)
	}
	return e.typed(pick(e.g, strings.Split(t, "|")...), d)
}

// elemExpr is an expression evaluated against one list element.
func (e *exprGen) elemExpr(t string, d int) string {
	g := e.g
	switch g.r.IntN(4) {
	case 0:
		return "@"
	case 1:
		if t != "" {
			return e.typed(pick(g, strings.Split(t, "|")...), d-1)
		}
		return e.expr(d - 1)
	}
	return e.ident()
}

// typed returns an expression that likely yields a value of type t ("" for
// any type): a path into the document, a literal or a function call.
func (e *exprGen) typed(t string, d int) string {
	g := e.g
	if t == "" {
		if d <= 0 {
			return e.leaf()
		}
		return e.expr(d - 1)
	}
	switch n := g.r.IntN(10); {
	case n < 5:
		if ps := e.p.byType[t]; len(ps) > 0 {
			return pick(g, ps...)
		}
	case n < 7 && d > 0:
		if fs := returns[t]; len(fs) > 0 {
			return e.callNamed(pick(g, fs...), d-1)
		}
	}
	if t == "string" && g.chance(0.5) {
		return e.rawString()
	}
	return e.literal(t)
}
