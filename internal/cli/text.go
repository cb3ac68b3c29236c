package cli

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// formatText is awscli/text.py: tab-separated scalars, one line per object,
// nested values under upper-cased identifiers.
func formatText(v any) (string, error) {
	var b strings.Builder
	err := textValue(&b, v, nil, nil)
	return b.String(), err
}

// textValue writes v. ident is the key v was found under, nil at the top
// (Python's None; an empty key is an identifier too).
func textValue(b *strings.Builder, v any, ident *string, scalarKeys []string) error {
	switch x := v.(type) {
	case *pyjson.Object:
		return textObject(b, x, ident, scalarKeys)
	case []any:
		return textList(b, x, ident)
	}
	b.WriteString(pyjson.Str(v))
	b.WriteByte('\n')
	return nil
}

func textList(b *strings.Builder, list []any, ident *string) error {
	if len(list) == 0 {
		return nil
	}
	hasObj := slices.ContainsFunc(list, func(el any) bool { _, ok := el.(*pyjson.Object); return ok })
	hasList := slices.ContainsFunc(list, func(el any) bool { _, ok := el.([]any); return ok })
	switch {
	case hasObj:
		keys, err := allScalarKeys(list)
		if err != nil {
			return err
		}
		for _, el := range list {
			if err := textValue(b, el, ident, keys); err != nil {
				return err
			}
		}
	case hasList:
		var scalars, nested []any
		for _, el := range list {
			if pyjson.IsScalar(el) {
				scalars = append(scalars, el)
			} else {
				nested = append(nested, el)
			}
		}
		if len(scalars) > 0 {
			textScalars(b, scalars, ident)
		}
		for _, el := range nested {
			if err := textValue(b, el, ident, nil); err != nil {
				return err
			}
		}
	default:
		textScalars(b, list, ident)
	}
	return nil
}

func textScalars(b *strings.Builder, list []any, ident *string) {
	if ident != nil {
		for _, el := range list {
			fmt.Fprintf(b, "%s\t%s\n", strings.ToUpper(*ident), pyjson.Str(el))
		}
		return
	}
	parts := make([]string, len(list))
	for i, el := range list {
		parts[i] = pyjson.Str(el)
	}
	b.WriteString(strings.Join(parts, "\t"))
	b.WriteByte('\n')
}

func textObject(b *strings.Builder, o *pyjson.Object, ident *string, scalarKeys []string) error {
	var scalars []string
	type pair struct {
		k string
		v any
	}
	var nested []pair
	if scalarKeys == nil {
		keys := slices.Clone(o.Keys())
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := o.Get(k)
			if pyjson.IsScalar(v) {
				scalars = append(scalars, pyjson.Str(v))
			} else {
				nested = append(nested, pair{k, v})
			}
		}
	} else {
		for _, k := range scalarKeys {
			v, ok := o.Get(k)
			if !ok {
				v = ""
			}
			scalars = append(scalars, pyjson.Str(v))
		}
		var rest []string
		for _, k := range o.Keys() {
			if !slices.Contains(scalarKeys, k) {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			v, _ := o.Get(k)
			nested = append(nested, pair{k, v})
		}
	}
	if len(scalars) > 0 {
		if ident != nil {
			scalars = append([]string{strings.ToUpper(*ident)}, scalars...)
		}
		b.WriteString(strings.Join(scalars, "\t"))
		b.WriteByte('\n')
	}
	for _, p := range nested {
		if err := textValue(b, p.v, &p.k, nil); err != nil {
			return err
		}
	}
	return nil
}

// allScalarKeys is text._all_scalar_keys: sorted keys with scalar values
// in any object of the list.
func allScalarKeys(list []any) ([]string, error) {
	seen := map[string]bool{}
	for _, el := range list {
		o, ok := el.(*pyjson.Object)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'items'", pyjson.TypeName(el))
		}
		for _, k := range o.Keys() {
			if v, _ := o.Get(k); pyjson.IsScalar(v) {
				seen[k] = true
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}
