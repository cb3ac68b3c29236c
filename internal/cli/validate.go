package cli

import (
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// validationError is botocore's ParamValidationError.
type validationError struct{ report []string }

func (e *validationError) Error() string {
	return "Parameter validation failed:\n" + strings.Join(e.report, "\n")
}

// validateParams is botocore's ParamValidator.validate: it collects every
// problem, in botocore's order and wording.
func validateParams(params any, s *shape) error {
	v := &validator{}
	v.validate(params, s, "")
	if len(v.report) > 0 {
		return &validationError{v.report}
	}
	return nil
}

type validator struct{ report []string }

func displayName(name string) string {
	switch {
	case name == "":
		return "input"
	case strings.HasPrefix(name, "."):
		return name[1:]
	}
	return name
}

func (v *validator) add(format string, args ...any) {
	v.report = append(v.report, fmt.Sprintf(format, args...))
}

func pyClass(name string) string { return "<class '" + name + "'>" }

func (v *validator) invalidType(name string, value any, valid ...string) {
	classes := make([]string, len(valid))
	for i, c := range valid {
		if strings.HasPrefix(c, "<") || c == "file-like object" || c == "timestamp-string" {
			classes[i] = c
		} else {
			classes[i] = pyClass(c)
		}
	}
	typ := pyjson.TypeName(value)
	if o, ok := value.(*pyjson.Object); ok && o.Ordered {
		typ = "collections.OrderedDict"
	}
	v.add("Invalid type for parameter %s, value: %s, type: %s, valid types: %s",
		displayName(name), valueStr(value), pyClass(typ), strings.Join(classes, ", "))
}

func (v *validator) validate(value any, s *shape, name string) {
	switch s.typ {
	case typeStructure:
		v.structure(value, s, name)
	case typeList:
		list, ok := value.([]any)
		if !ok {
			v.invalidType(name, value, "list", "tuple")
			return
		}
		v.rangeCheck(name, len(list), s, "length")
		for i, el := range list {
			v.validate(el, s.member, fmt.Sprintf("%s[%d]", name, i))
		}
	case typeString:
		str, ok := value.(string)
		if !ok {
			v.invalidType(name, value, "str")
			return
		}
		v.rangeCheck(name, len([]rune(str)), s, "length")
	case typeInteger:
		switch x := value.(type) {
		case int64:
			v.rangeCheck(name, int(x), s, "value")
		case bool:
			n := 0
			if x {
				n = 1
			}
			v.rangeCheck(name, n, s, "value")
		default:
			v.invalidType(name, value, "int")
		}
	case typeBoolean:
		if _, ok := value.(bool); !ok {
			v.invalidType(name, value, "bool")
		}
	case typeTimestamp:
		switch value.(type) {
		case pyjson.Datetime, string:
		default:
			v.invalidType(name, value, "<class 'datetime.datetime'>", "timestamp-string")
		}
	}
}

func (v *validator) structure(value any, s *shape, name string) {
	obj, ok := value.(*pyjson.Object)
	if !ok {
		v.invalidType(name, value, "dict")
		return
	}
	for _, r := range s.required {
		if _, ok := obj.Get(r); !ok {
			v.add("Missing required parameter in %s: \"%s\"", displayName(name), r)
		}
	}
	var known []string
	for _, k := range obj.Keys() {
		if s.memberShape(k) == nil {
			v.add("Unknown parameter in %s: \"%s\", must be one of: %s",
				displayName(name), k, strings.Join(s.memberNames(), ", "))
			continue
		}
		known = append(known, k)
	}
	for _, k := range known {
		el, _ := obj.Get(k)
		v.validate(el, s.memberShape(k), name+"."+k)
	}
}

// rangeCheck reports values below the shape's min ("value" for integers,
// "length" for strings and lists).
func (v *validator) rangeCheck(name string, n int, s *shape, what string) {
	if s.min == nil || n >= *s.min {
		return
	}
	kind := map[string]string{"value": "Invalid value", "length": "Invalid length"}[what]
	v.add("%s for parameter %s, value: %d, valid min %s: %d", kind, displayName(name), n, what, *s.min)
}
