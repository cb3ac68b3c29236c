package jmespath

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// argSpec is one parameter of a function signature.
type argSpec struct {
	types    []string // JMESPath type names, "array-number" style subtypes
	variadic bool
}

type function struct {
	sig []argSpec
	fn  func(args []any) (any, error)
}

func sig(types ...string) argSpec { return argSpec{types: types} }

// builtin returns the named built-in function. (A function rather than a
// package-level table: the table's entries refer back to visit.)
func builtin(name string) (function, bool) {
	f, ok := map[string]function{
		"abs":         {[]argSpec{sig("number")}, fnAbs},
		"avg":         {[]argSpec{sig("array-number")}, fnAvg},
		"ceil":        {[]argSpec{sig("number")}, func(a []any) (any, error) { return roundWith(a[0], math.Ceil) }},
		"contains":    {[]argSpec{sig("array", "string"), sig()}, fnContains},
		"ends_with":   {[]argSpec{sig("string"), sig("string")}, func(a []any) (any, error) { return strings.HasSuffix(a[0].(string), a[1].(string)), nil }},
		"floor":       {[]argSpec{sig("number")}, func(a []any) (any, error) { return roundWith(a[0], math.Floor) }},
		"join":        {[]argSpec{sig("string"), sig("array-string")}, fnJoin},
		"keys":        {[]argSpec{sig("object")}, fnKeys},
		"length":      {[]argSpec{sig("string", "array", "object")}, fnLength},
		"map":         {[]argSpec{sig("expref"), sig("array")}, fnMap},
		"max":         {[]argSpec{sig("array-number", "array-string")}, func(a []any) (any, error) { return extreme(a[0].([]any), 1), nil }},
		"max_by":      {[]argSpec{sig("array"), sig("expref")}, func(a []any) (any, error) { return extremeBy(a, 1, "max_by") }},
		"merge":       {[]argSpec{{types: []string{"object"}, variadic: true}}, fnMerge},
		"min":         {[]argSpec{sig("array-number", "array-string")}, func(a []any) (any, error) { return extreme(a[0].([]any), -1), nil }},
		"min_by":      {[]argSpec{sig("array"), sig("expref")}, func(a []any) (any, error) { return extremeBy(a, -1, "min_by") }},
		"not_null":    {[]argSpec{{variadic: true}}, fnNotNull},
		"reverse":     {[]argSpec{sig("array", "string")}, fnReverse},
		"sort":        {[]argSpec{sig("array-string", "array-number")}, fnSort},
		"sort_by":     {[]argSpec{sig("array"), sig("expref")}, fnSortBy},
		"starts_with": {[]argSpec{sig("string"), sig("string")}, func(a []any) (any, error) { return strings.HasPrefix(a[0].(string), a[1].(string)), nil }},
		"sum":         {[]argSpec{sig("array-number")}, fnSum},
		"to_array":    {[]argSpec{sig()}, fnToArray},
		"to_number":   {[]argSpec{sig()}, fnToNumber},
		"to_string":   {[]argSpec{sig()}, fnToString},
		"type":        {[]argSpec{sig()}, fnType},
		"values":      {[]argSpec{sig("object")}, fnValues},
	}[name]
	return f, ok
}

// jmesType is _convert_to_jmespath_type(type(v).__name__).
func jmesType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case int64, float64:
		return "number"
	case []any:
		return "array"
	case *pyjson.Object:
		return "object"
	case expref:
		return "expref"
	}
	return "unknown"
}

// pyTypeName is type(v).__name__ as jmespath sees it.
func pyTypeName(v any) string {
	if _, ok := v.(expref); ok {
		return "_Expression"
	}
	return pyjson.TypeName(v)
}

func visitFunction(n *node, v any) (any, error) {
	args := make([]any, 0, len(n.children))
	for _, c := range n.children {
		r, err := visit(c, v)
		if err != nil {
			return nil, err
		}
		args = append(args, r)
	}
	name := n.value.(string)
	f, ok := builtin(name)
	if !ok {
		return nil, &UnknownFunctionError{name}
	}
	if err := checkArgs(name, f.sig, args); err != nil {
		return nil, err
	}
	return f.fn(args)
}

func checkArgs(name string, sig []argSpec, args []any) error {
	if len(sig) > 0 && sig[len(sig)-1].variadic {
		if len(args) < len(sig) {
			return &ArityError{name: name, expected: len(sig), actual: len(args), variadic: true}
		}
	} else if len(args) != len(sig) {
		return &ArityError{name: name, expected: len(sig), actual: len(args)}
	}
	for i, s := range sig {
		if len(s.types) > 0 {
			if err := checkType(name, args[i], s.types); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkType is _type_check_single with its subtype rules.
func checkType(name string, v any, types []string) error {
	actual := jmesType(v)
	var allowed, subtypes []string
	for _, t := range types {
		base, sub, hasSub := strings.Cut(t, "-")
		allowed = append(allowed, base)
		if hasSub {
			subtypes = append(subtypes, sub)
		}
	}
	if !slices.Contains(allowed, actual) {
		return &TypeError{fn: name, value: v, actual: actual, expected: types}
	}
	list, _ := v.([]any)
	switch {
	case len(subtypes) == 1:
		for _, el := range list {
			if jmesType(el) != subtypes[0] {
				return &TypeError{fn: name, value: el, actual: pyTypeName(el), expected: types}
			}
		}
	case len(subtypes) > 1 && len(list) > 0:
		first := jmesType(list[0])
		if !slices.Contains(subtypes, first) {
			return &TypeError{fn: name, value: list[0], actual: pyTypeName(list[0]), expected: types}
		}
		for _, el := range list {
			if jmesType(el) != first {
				return &TypeError{fn: name, value: el, actual: pyTypeName(el), expected: types}
			}
		}
	}
	return nil
}

func fnAbs(a []any) (any, error) {
	if i, ok := a[0].(int64); ok {
		switch {
		case i == math.MinInt64:
			return -float64(i), nil // 2**63: beyond 64 bits, a float
		case i < 0:
			return -i, nil
		}
		return i, nil
	}
	return math.Abs(a[0].(float64)), nil
}

// roundWith applies math.ceil/floor, which return ints in Python 3 and
// fail on infinities and NaN. An integral value beyond 64 bits stays a
// float (Python's int would be exact; see the package doc of cli).
func roundWith(v any, f func(float64) float64) (any, error) {
	if i, ok := v.(int64); ok {
		return i, nil
	}
	r := f(v.(float64))
	switch {
	case math.IsInf(r, 0):
		return nil, errors.New("cannot convert float infinity to integer")
	case math.IsNaN(r):
		return nil, errors.New("cannot convert float NaN to integer")
	case r < -(1<<63) || r >= 1<<63:
		return r, nil
	}
	return int64(r), nil
}

// fnType is type(): Python's chain of isinstance tests finds nothing for
// an expression reference and returns None.
func fnType(a []any) (any, error) {
	if _, ok := a[0].(expref); ok {
		return nil, nil
	}
	return jmesType(a[0]), nil
}

func fnContains(a []any) (any, error) {
	if s, ok := a[0].(string); ok {
		sub, ok := a[1].(string)
		if !ok {
			return nil, fmt.Errorf("'in <string>' requires string as left operand, not %s", pyTypeName(a[1]))
		}
		return strings.Contains(s, sub), nil
	}
	for _, el := range a[0].([]any) {
		if pyjson.Equal(el, a[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnJoin(a []any) (any, error) {
	list := a[1].([]any)
	parts := make([]string, len(list))
	for i, el := range list {
		parts[i] = el.(string)
	}
	return strings.Join(parts, a[0].(string)), nil
}

func fnKeys(a []any) (any, error) {
	out := []any{}
	for _, k := range a[0].(*pyjson.Object).Keys() {
		out = append(out, k)
	}
	return out, nil
}

func fnValues(a []any) (any, error) {
	o := a[0].(*pyjson.Object)
	out := []any{}
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		out = append(out, v)
	}
	return out, nil
}

func fnLength(a []any) (any, error) {
	switch x := a[0].(type) {
	case string:
		return int64(len([]rune(x))), nil
	case []any:
		return int64(len(x)), nil
	}
	return int64(a[0].(*pyjson.Object).Len()), nil
}

func fnMap(a []any) (any, error) {
	e := a[0].(expref)
	out := []any{}
	for _, el := range a[1].([]any) {
		r, err := visit(e.n, el)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// less orders two numbers or two strings (callers guarantee the kinds).
func less(a, b any) bool {
	c, _ := order(a, b, "<")
	return c < 0
}

// extreme is Python's max (dir 1) or min (dir -1): the first extreme wins.
func extreme(list []any, dir int) any {
	if len(list) == 0 {
		return nil
	}
	best := list[0]
	for _, el := range list[1:] {
		if (dir > 0 && less(best, el)) || (dir < 0 && less(el, best)) {
			best = el
		}
	}
	return best
}

func keyFunc(e expref, allowed []string, fn string) func(any) (any, error) {
	return func(x any) (any, error) {
		r, err := visit(e.n, x)
		if err != nil {
			return nil, err
		}
		if t := jmesType(r); !slices.Contains(allowed, t) {
			return nil, &TypeError{fn: fn, value: r, actual: t, expected: allowed}
		}
		return r, nil
	}
}

func extremeBy(a []any, dir int, fn string) (any, error) {
	list := a[0].([]any)
	key := keyFunc(a[1].(expref), []string{"number", "string"}, fn)
	if len(list) == 0 {
		return nil, nil
	}
	best := list[0]
	bestKey, err := key(best)
	if err != nil {
		return nil, err
	}
	for _, el := range list[1:] {
		k, err := key(el)
		if err != nil {
			return nil, err
		}
		if _, err := order(k, bestKey, map[int]string{1: ">", -1: "<"}[dir]); err != nil {
			return nil, err
		}
		if (dir > 0 && less(bestKey, k)) || (dir < 0 && less(k, bestKey)) {
			best, bestKey = el, k
		}
	}
	return best, nil
}

func fnNotNull(a []any) (any, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

func fnReverse(a []any) (any, error) {
	if s, ok := a[0].(string); ok {
		r := []rune(s)
		slices.Reverse(r)
		return string(r), nil
	}
	out := slices.Clone(a[0].([]any))
	slices.Reverse(out)
	return out, nil
}

func fnSort(a []any) (any, error) {
	out := slices.Clone(a[0].([]any))
	sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out, nil
}

func fnSortBy(a []any) (any, error) {
	list := a[0].([]any)
	if len(list) == 0 {
		return list, nil
	}
	e := a[1].(expref)
	first, err := visit(e.n, list[0])
	if err != nil {
		return nil, err
	}
	required := jmesType(first)
	if required != "number" && required != "string" {
		return nil, &TypeError{fn: "sort_by", value: list[0], actual: required, expected: []string{"string", "number"}}
	}
	key := keyFunc(e, []string{required}, "sort_by")
	keys := make([]any, len(list))
	for i, el := range list {
		if keys[i], err = key(el); err != nil {
			return nil, err
		}
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return less(keys[idx[i]], keys[idx[j]]) })
	out := make([]any, len(list))
	for i, k := range idx {
		out[i] = list[k]
	}
	return out, nil
}

func fnToArray(a []any) (any, error) {
	if l, ok := a[0].([]any); ok {
		return l, nil
	}
	return []any{a[0]}, nil
}

func fnToNumber(a []any) (any, error) {
	switch x := a[0].(type) {
	case int64, float64:
		return x, nil
	case expref:
		return nil, errors.New("int() argument must be a string, a bytes-like object or a real number, not '_Expression'")
	case string:
		return parseNumber(x), nil
	}
	return nil, nil
}

func fnToString(a []any) (any, error) {
	if s, ok := a[0].(string); ok {
		return s, nil
	}
	return pyjson.Dumps(a[0], pyjson.EncodeOptions{Compact: true, ASCII: true}), nil
}
