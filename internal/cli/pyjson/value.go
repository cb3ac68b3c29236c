// Package pyjson models JSON data the way the AWS CLI v1 sees it through
// Python: objects keep their key order, integers stay distinct from floats,
// and values are decoded, encoded and printed with the exact rules (and
// error messages) of Python's json module, str() and repr().
//
// A value is one of:
//
//	nil            Python None / JSON null
//	bool           Python bool
//	string         Python str
//	int64          Python int
//	float64        Python float
//	[]any          Python list
//	*Object        Python dict (insertion ordered)
//	Datetime       a naive datetime.datetime (only in generated skeletons)
package pyjson

import (
	"slices"
	"time"
)

// Object is an insertion-ordered JSON object, like a Python dict.
type Object struct {
	keys []string
	vals map[string]any
	// Ordered marks values Python would hold in a collections.OrderedDict
	// (JSON parameters decoded by the CLI); it only changes repr().
	Ordered bool
}

// NewObject returns an empty object.
func NewObject() *Object {
	return &Object{vals: map[string]any{}}
}

// Set stores v under k. A new key goes last; an existing key keeps its
// position, as with a Python dict.
func (o *Object) Set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// Get returns the value stored under k.
func (o *Object) Get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// Delete removes k.
func (o *Object) Delete(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	o.keys = slices.DeleteFunc(o.keys, func(s string) bool { return s == k })
}

// Keys returns the keys in insertion order. The caller must not modify it.
func (o *Object) Keys() []string { return o.keys }

// Len returns the number of keys.
func (o *Object) Len() int { return len(o.keys) }

// Datetime is a naive datetime.datetime. It appears only in output
// skeletons, where botocore fills timestamps with 1970-01-01 00:00:00.
type Datetime struct{ time.Time }

// IsScalar reports whether v is neither a list nor an object.
func IsScalar(v any) bool {
	switch v.(type) {
	case []any, *Object:
		return false
	}
	return true
}

// Equal reports whether a and b are equal under Python's == (1 == 1.0,
// exactly, also beyond 2**53; dicts compare without regard to order;
// True == 1; NaN equals nothing).
func Equal(a, b any) bool {
	if _, _, ok := numberParts(a); ok {
		c, ok := CompareNumbers(a, b)
		return ok && c == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Object:
		y, ok := b.(*Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for _, k := range x.keys {
			yv, ok := y.vals[k]
			if !ok || !Equal(x.vals[k], yv) {
				return false
			}
		}
		return true
	case Datetime:
		y, ok := b.(Datetime)
		return ok && x.Equal(y.Time)
	}
	return false
}

// TypeName returns Python's type(v).__name__.
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case string:
		return "str"
	case int64:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case *Object:
		if x.Ordered {
			return "OrderedDict"
		}
		return "dict"
	case Datetime:
		return "datetime"
	case []byte:
		return "bytes"
	}
	return "object"
}

// Truthy is Python's bool(v): false for None, False, zero, and empty
// strings, lists and objects.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *Object:
		return x.Len() > 0
	}
	return true
}
