package jmespath

import (
	"fmt"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// fnMerge is merge(): Python's dict.update for each argument. The
// signature only checks the first argument, so the others may be any
// value dict.update accepts (an empty string, a list of key/value pairs)
// or rejects (with Python's error).
func fnMerge(a []any) (any, error) {
	out := pyjson.NewObject()
	for _, arg := range a {
		if err := update(out, arg); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// update is dict.update(arg).
func update(out *pyjson.Object, arg any) error {
	switch x := arg.(type) {
	case *pyjson.Object:
		for _, k := range x.Keys() {
			v, _ := x.Get(k)
			out.Set(k, v)
		}
		return nil
	case string:
		if r := []rune(x); len(r) > 0 {
			return fmt.Errorf("dictionary update sequence element #0 has length 1; 2 is required")
		}
		return nil
	case []any:
		for i, el := range x {
			k, v, err := pair(i, el)
			if err != nil {
				return err
			}
			out.Set(k, v)
		}
		return nil
	}
	return fmt.Errorf("'%s' object is not iterable", pyTypeName(arg))
}

// pair unpacks element i of a dict.update sequence into a key and value.
// Python keeps a non-string key (a number, bool or None) as it is and
// json.dumps writes it as text later; here it becomes that text at once,
// so unlike in Python the keys 1 and "1" collide.
func pair(i int, el any) (string, any, error) {
	var items []any
	switch x := el.(type) {
	case string:
		for _, r := range x {
			items = append(items, string(r))
		}
	case []any:
		items = x
	case *pyjson.Object:
		for _, k := range x.Keys() {
			items = append(items, k)
		}
	default:
		return "", nil, fmt.Errorf("cannot convert dictionary update sequence element #%d to a sequence", i)
	}
	if len(items) != 2 {
		return "", nil, fmt.Errorf("dictionary update sequence element #%d has length %d; 2 is required", i, len(items))
	}
	switch k := items[0].(type) {
	case string:
		return k, items[1], nil
	case []any, *pyjson.Object:
		return "", nil, fmt.Errorf("unhashable type: '%s'", pyjson.TypeName(k))
	}
	key := pyjson.Dumps(items[0], pyjson.EncodeOptions{Compact: true})
	return key, items[1], nil
}
