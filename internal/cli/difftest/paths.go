package difftest

import (
	"regexp"
	"strconv"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

var bareIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Ident writes key as an identifier: bare when the grammar allows it,
// otherwise as a quoted identifier.
func Ident(key string) string {
	if bareIdent.MatchString(key) {
		return key
	}
	return pyjson.Quote(key, false)
}

// paths maps a JMESPath type name (and "array-number", "array-string")
// to expressions that select a value of that type from a document, and
// keeps the keys seen in it.
type paths struct {
	byType map[string][]string
	keys   []string
}

// collectPaths walks doc (at most 4 levels) and records a path to every
// value, plus projections over lists of objects.
func collectPaths(doc any) *paths {
	p := &paths{byType: map[string][]string{}}
	p.walk(doc, "", 0)
	return p
}

func (p *paths) add(path string, v any) {
	if path == "" {
		path = "@"
	}
	t := jmesType(v)
	p.byType[t] = append(p.byType[t], path)
	if list, ok := v.([]any); ok && len(list) > 0 {
		if sub := elemType(list); sub != "" {
			p.byType["array-"+sub] = append(p.byType["array-"+sub], path)
		}
	}
}

func join(prefix, next string) string {
	if prefix == "" {
		return next
	}
	return prefix + "." + next
}

func (p *paths) walk(v any, path string, depth int) {
	p.add(path, v)
	if depth >= 4 {
		return
	}
	switch x := v.(type) {
	case *pyjson.Object:
		for _, k := range x.Keys() {
			p.keys = append(p.keys, k)
			el, _ := x.Get(k)
			p.walk(el, join(path, Ident(k)), depth+1)
		}
	case []any:
		for i, el := range x {
			if i < 2 {
				p.walk(el, path+"["+strconv.Itoa(i)+"]", depth+1)
			}
		}
		p.projections(x, path)
	}
}

// projections records list[].key for keys of the list's objects.
func (p *paths) projections(list []any, path string) {
	seen := map[string]bool{}
	for _, el := range list {
		o, ok := el.(*pyjson.Object)
		if !ok {
			continue
		}
		for _, k := range o.Keys() {
			if seen[k] {
				continue
			}
			seen[k] = true
			var vals []any
			for _, el2 := range list {
				if o2, ok := el2.(*pyjson.Object); ok {
					if v, ok := o2.Get(k); ok && v != nil {
						vals = append(vals, v)
					}
				}
			}
			p.add(path+"[]."+Ident(k), vals)
		}
	}
}

// elemType is the common JMESPath type of a list's elements, or "".
func elemType(list []any) string {
	t := jmesType(list[0])
	for _, el := range list[1:] {
		if jmesType(el) != t {
			return ""
		}
	}
	return t
}

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
	}
	return "unknown"
}
