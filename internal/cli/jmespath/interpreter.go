package jmespath

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// expref is jmespath's _Expression: an unevaluated expression argument.
type expref struct{ n *node }

// String is str() of a Python _Expression object, as to_string(), error
// messages and the text and table output show it. The address is the
// node's, padded to the 12 hex digits CPython's addresses have on 64-bit
// Linux so that table columns come out as wide.
func (e expref) String() string {
	addr := strings.TrimPrefix(fmt.Sprintf("%p", e.n), "0x")
	if len(addr) < 12 {
		addr = strings.Repeat("0", 12-len(addr)) + addr
	}
	return "<jmespath.visitor._Expression object at 0x" + addr + ">"
}

// Search evaluates the expression against data.
func (e *Expr) Search(data any) (any, error) {
	return visit(e.root, data)
}

// String returns the source expression.
func (e *Expr) String() string { return e.expression }

func visit(n *node, v any) (any, error) {
	switch n.typ {
	case "subexpression", "index_expression", "pipe":
		var err error
		for _, c := range n.children {
			if v, err = visit(c, v); err != nil {
				return nil, err
			}
		}
		return v, nil
	case "field":
		if o, ok := v.(*pyjson.Object); ok {
			r, _ := o.Get(n.value.(string))
			return r, nil
		}
		return nil, nil
	case "comparator":
		return visitComparator(n, v)
	case "current", "identity":
		return v, nil
	case "expref":
		return expref{n.children[0]}, nil
	case "function_expression":
		return visitFunction(n, v)
	case "filter_projection":
		return visitFilter(n, v)
	case "flatten":
		return visitFlatten(n, v)
	case "index":
		return visitIndex(n, v), nil
	case "slice":
		return visitSlice(n, v)
	case "key_val_pair":
		return visit(n.children[0], v)
	case "literal":
		return n.value, nil
	case "multi_select_dict":
		return visitMultiDict(n, v)
	case "multi_select_list":
		return visitMultiList(n, v)
	case "or_expression", "and_expression":
		return visitLogic(n, v)
	case "not_expression":
		r, err := visit(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if isNumber(r) {
			return false, nil
		}
		return !pyjson.Truthy(r), nil
	case "projection", "value_projection":
		return visitProjection(n, v)
	}
	return nil, fmt.Errorf("%s", n.typ)
}

// isNumber is _is_actual_number: ints and floats, not bools.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// isFalse is TreeInterpreter._is_false.
func isFalse(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case *pyjson.Object:
		return x.Len() == 0
	}
	return false
}

func visitComparator(n *node, v any) (any, error) {
	left, err := visit(n.children[0], v)
	if err != nil {
		return nil, err
	}
	right, err := visit(n.children[1], v)
	if err != nil {
		return nil, err
	}
	op := n.value.(string)
	switch op {
	case "eq":
		return equals(left, right), nil
	case "ne":
		return !equals(left, right), nil
	}
	comparable := func(x any) bool { _, s := x.(string); return s || isNumber(x) }
	if !comparable(left) || !comparable(right) {
		return nil, nil
	}
	c, err := order(left, right, map[string]string{"lt": "<", "gt": ">", "lte": "<=", "gte": ">="}[op])
	if err != nil {
		return nil, err
	}
	if c == unordered {
		return false, nil
	}
	switch op {
	case "lt":
		return c < 0, nil
	case "gt":
		return c > 0, nil
	case "lte":
		return c <= 0, nil
	}
	return c >= 0, nil
}

// equals is jmespath's _equals: Python == except that 0 and 1 never equal
// a bool.
func equals(x, y any) bool {
	special := func(a, b any) bool {
		if f, ok := toFloat(a); ok && isNumber(a) && (f == 0 || f == 1) {
			_, isBool := b.(bool)
			return isBool
		}
		return false
	}
	if special(x, y) || special(y, x) {
		return false
	}
	return pyjson.Equal(x, y)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// unordered is what order returns for a NaN operand: every ordering
// comparison is false.
const unordered = 2

// order compares two numbers (exactly, as Python compares ints with
// floats) or two strings, failing like Python when the kinds differ.
func order(a, b any, sym string) (int, error) {
	if isNumber(a) && isNumber(b) {
		if c, ok := pyjson.CompareNumbers(a, b); ok {
			return c, nil
		}
		return unordered, nil
	}
	sa, okA := a.(string)
	sb, okB := b.(string)
	if okA && okB {
		return strings.Compare(sa, sb), nil
	}
	return 0, fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", sym, pyjson.TypeName(a), pyjson.TypeName(b))
}

func visitFilter(n *node, v any) (any, error) {
	base, err := visit(n.children[0], v)
	if err != nil {
		return nil, err
	}
	list, ok := base.([]any)
	if !ok {
		return nil, nil
	}
	out := []any{}
	for _, el := range list {
		c, err := visit(n.children[2], el)
		if err != nil {
			return nil, err
		}
		if isFalse(c) {
			continue
		}
		r, err := visit(n.children[1], el)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func visitFlatten(n *node, v any) (any, error) {
	base, err := visit(n.children[0], v)
	if err != nil {
		return nil, err
	}
	list, ok := base.([]any)
	if !ok {
		return nil, nil
	}
	out := []any{}
	for _, el := range list {
		if sub, ok := el.([]any); ok {
			out = append(out, sub...)
		} else {
			out = append(out, el)
		}
	}
	return out, nil
}

func visitIndex(n *node, v any) any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	i := int(n.value.(int64))
	if i < 0 {
		i += len(list)
	}
	if i < 0 || i >= len(list) {
		return nil
	}
	return list[i]
}

func visitSlice(n *node, v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, nil
	}
	parts := n.value.([]any)
	step := 1
	if parts[2] != nil {
		step = int(parts[2].(int64))
	}
	if step == 0 {
		return nil, errors.New("slice step cannot be zero")
	}
	start, stop := sliceBounds(len(list), parts[0], parts[1], step)
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, list[i])
		// A step beyond the list (up to a saturated 64-bit one) must not
		// overflow i.
		if (step > 0 && i > math.MaxInt-step) || (step < 0 && i < math.MinInt-step) {
			break
		}
	}
	return out, nil
}

// sliceBounds is Python's slice.indices for the start and stop.
func sliceBounds(length int, startV, stopV any, step int) (int, int) {
	lower, upper := 0, length
	if step < 0 {
		lower, upper = -1, length-1
	}
	clamp := func(v any, def int) int {
		if v == nil {
			return def
		}
		i := int(v.(int64))
		if i < 0 {
			i += length
			if i < lower {
				i = lower
			}
		} else if i > upper {
			i = upper
		}
		return i
	}
	if step < 0 {
		return clamp(startV, upper), clamp(stopV, lower)
	}
	return clamp(startV, lower), clamp(stopV, upper)
}

func visitMultiDict(n *node, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	out := pyjson.NewObject()
	for _, c := range n.children {
		r, err := visit(c, v)
		if err != nil {
			return nil, err
		}
		out.Set(c.value.(string), r)
	}
	return out, nil
}

func visitMultiList(n *node, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	out := []any{}
	for _, c := range n.children {
		r, err := visit(c, v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func visitLogic(n *node, v any) (any, error) {
	left, err := visit(n.children[0], v)
	if err != nil {
		return nil, err
	}
	if n.typ == "or_expression" {
		if isFalse(left) {
			return visit(n.children[1], v)
		}
		return left, nil
	}
	if isFalse(left) {
		return left, nil
	}
	return visit(n.children[1], v)
}

func visitProjection(n *node, v any) (any, error) {
	base, err := visit(n.children[0], v)
	if err != nil {
		return nil, err
	}
	var elems []any
	if n.typ == "value_projection" {
		o, ok := base.(*pyjson.Object)
		if !ok {
			return nil, nil
		}
		for _, k := range o.Keys() {
			el, _ := o.Get(k)
			elems = append(elems, el)
		}
	} else {
		list, ok := base.([]any)
		if !ok {
			return nil, nil
		}
		elems = list
	}
	out := []any{}
	for _, el := range elems {
		r, err := visit(n.children[1], el)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}
