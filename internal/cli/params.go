package cli

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// cliArg is one entry of an operation's argument table.
type cliArg struct {
	name   string // CLI name without dashes, e.g. "tunnel-id"
	member string // input member, e.g. "tunnelId"; empty for CLI-only options
	shape  *shape
	act    *action
}

func (a *cliArg) cliName() string { return "--" + a.name }

// xformName is botocore's xform_name(name, "-") for the member names of
// this service (camelCase to dashed lower case).
func xformName(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// argTable builds the operation's arguments in the AWS CLI's order: input
// members (booleans also get --no-<name>), then --cli-input-json and
// --generate-cli-skeleton.
func argTable(op *operation) []*cliArg {
	var args []*cliArg
	for _, m := range op.input.members {
		name := xformName(m.name)
		dest := strings.ReplaceAll(name, "-", "_")
		required := false
		for _, r := range op.input.required {
			required = required || r == m.name
		}
		switch m.shape.typ {
		case typeBoolean:
			args = append(args,
				&cliArg{name: name, member: m.name, shape: m.shape,
					act: &action{option: "--" + name, dest: dest, kind: actStoreTrue, nargs: nargsZero}},
				&cliArg{name: "no-" + name, member: m.name, shape: m.shape,
					act: &action{option: "--no-" + name, dest: dest, kind: actStoreFalse, nargs: nargsZero}})
		case typeList:
			args = append(args, &cliArg{name: name, member: m.name, shape: m.shape,
				act: &action{option: "--" + name, dest: dest, nargs: nargsZeroOrMore, required: required}})
		default:
			args = append(args, &cliArg{name: name, member: m.name, shape: m.shape,
				act: &action{option: "--" + name, dest: dest, nargs: nargsOne, required: required}})
		}
	}
	input := "input"
	args = append(args,
		&cliArg{name: "cli-input-json", act: &action{option: "--cli-input-json", dest: "cli_input_json", nargs: nargsOne}},
		&cliArg{name: "generate-cli-skeleton", act: &action{option: "--generate-cli-skeleton", dest: "generate_cli_skeleton",
			nargs: nargsOptional, konst: &input, choices: []string{"input", "output"}}})
	return args
}

// operationParser builds the argparse parser for the table. Required
// options stop being required when the command line names
// --cli-input-json, or --generate-cli-skeleton not followed by "output".
func operationParser(args []*cliArg, argv []string) *argParser {
	override := false
	for i, a := range argv {
		if a == "--cli-input-json" {
			override = true
		}
		if a == "--generate-cli-skeleton" && (i+1 >= len(argv) || argv[i+1] != "output") {
			override = true
		}
	}
	p := &argParser{}
	for _, a := range args {
		act := *a.act
		if override {
			act.required = false
		}
		a.act = &act
		p.add(a.act)
	}
	p.add(&action{dest: "help", nargs: nargsOptional})
	return p
}

// buildParams turns the parsed namespace into API parameters in argument
// table order, as ServiceOperation._build_call_parameters does.
func buildParams(args []*cliArg, ns map[string]any, files *paramLoader) (*pyjson.Object, error) {
	params := pyjson.NewObject()
	for _, a := range args {
		raw := ns[a.act.dest]
		if raw == nil {
			continue
		}
		value, err := loadParamFile(a, raw, files)
		if err != nil {
			return nil, err
		}
		if a.member == "" {
			continue
		}
		if b, ok := value.(bool); ok {
			params.Set(a.member, b)
			continue
		}
		v, err := unpackArg(a, value, files)
		if err != nil {
			return nil, err
		}
		params.Set(a.member, v)
	}
	return params, nil
}

// loadParamFile applies file://, fileb://, http:// and https:// to a
// string value or a one-element list.
func loadParamFile(a *cliArg, raw any, files *paramLoader) (any, error) {
	s, ok := raw.(string)
	if list, isList := raw.([]string); isList && len(list) == 1 {
		s, ok = list[0], true
	}
	if !ok {
		return raw, nil
	}
	v, loaded, err := files.load(s, false)
	if err != nil {
		return nil, paramError(a.cliName(), err.Error())
	}
	if !loaded {
		return raw, nil
	}
	return v, nil
}

// unpackArg converts a command-line value (string, []string or loaded
// file content) to the parameter value: shorthand, JSON or scalar.
func unpackArg(a *cliArg, value any, files *paramLoader) (any, error) {
	if usesShorthand(a.shape, value) {
		return unpackShorthand(a, value, files)
	}
	return unpackValue(a.shape, value, a.cliName())
}

func supportsShorthand(s *shape) bool {
	switch s.typ {
	case typeStructure:
		return true
	case typeList:
		return s.member.typ == typeStructure || s.member.typ == typeList
	}
	return false
}

func usesShorthand(s *shape, value any) bool {
	check := value
	if list, ok := value.([]string); ok && len(list) > 0 {
		check = list[0]
	}
	if str, ok := check.(string); ok {
		t := strings.TrimFunc(str, isPySpace)
		if strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			return false
		}
	}
	return supportsShorthand(s)
}

func unpackShorthand(a *cliArg, value any, files *paramLoader) (any, error) {
	parse := func(s string) (*pyjson.Object, error) {
		o, err := parseShorthand(s, files.loadText)
		if se, ok := err.(*shorthandError); ok {
			return nil, paramError(a.cliName(), se.msg)
		}
		return o, err
	}
	if list, ok := value.([]string); ok {
		out := []any{}
		for _, s := range list {
			o, err := parse(s)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, backCompat(out, a.shape)
	}
	if b, ok := value.([]byte); ok {
		value = string(b)
	}
	o, err := parse(value.(string))
	if err != nil {
		return nil, err
	}
	return o, backCompat(o, a.shape)
}

// unpackValue is awscli.argprocess.unpack_cli_arg.
func unpackValue(s *shape, value any, cliName string) (any, error) {
	switch s.typ {
	case typeInteger:
		str, ok := value.(string)
		if !ok {
			return nil, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyjson.TypeName(value))
		}
		return pyInt(str)
	case typeBoolean:
		if str, ok := value.(string); ok && strings.ToLower(str) == "false" {
			return false, nil
		}
		return truthyArg(value), nil
	case typeStructure:
		str, ok := value.(string)
		if ok && strings.HasPrefix(strings.TrimLeftFunc(str, isPySpace), "{") {
			return decodeJSONArg(str, cliName)
		}
		return nil, paramError(cliName, "Invalid JSON:\n"+valueStr(value))
	case typeList:
		return unpackList(s, value, cliName)
	}
	return value, nil
}

func unpackList(s *shape, value any, cliName string) (any, error) {
	if str, ok := value.(string); ok {
		if strings.HasPrefix(strings.TrimLeftFunc(str, isPySpace), "[") {
			return decodeJSONArg(str, cliName)
		}
		// Python iterates over the characters of a string.
		var chars []string
		for _, r := range str {
			chars = append(chars, string(r))
		}
		value = chars
	}
	list, _ := value.([]string)
	if len(list) == 1 && strings.HasPrefix(strings.TrimFunc(list[0], isPySpace), "[") {
		return decodeJSONArg(list[0], cliName)
	}
	out := []any{}
	for _, v := range list {
		item, err := unpackValue(s.member, v, cliName)
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

func decodeJSONArg(s, cliName string) (any, error) {
	v, err := pyjson.Decode(s, true)
	if err != nil {
		return nil, paramError(cliName, fmt.Sprintf("Invalid JSON: %s\nJSON received: %s", err, s))
	}
	return v, nil
}

func valueStr(v any) string {
	if b, ok := v.([]byte); ok {
		return pyjson.Repr(b)
	}
	return pyjson.Str(v)
}

func truthyArg(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	}
	return v != nil
}
