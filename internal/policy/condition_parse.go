package policy

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// parseConditionBlock reads the Condition element: an object of operators,
// each an object of context keys, each one value or an array of values.
func parseConditionBlock(n *node, path string, syn patternSyntax) ([]*condition, error) {
	if err := wantKind(n, kindObject, path); err != nil {
		return nil, err
	}
	if n.dup != "" {
		return nil, errorf(field(path, n.dup), "duplicate operator (AWS would silently keep only the last)")
	}
	var conds []*condition
	for _, m := range n.members {
		opPath := field(path, m.name)
		op, err := parseOperator(m.name)
		if err != nil {
			return nil, at(path, err)
		}
		if err := wantKind(m.value, kindObject, opPath); err != nil {
			return nil, err
		}
		if len(m.value.members) == 0 {
			return nil, errorf(opPath, "no condition keys")
		}
		seen := map[string]bool{}
		for _, km := range m.value.members {
			key := strings.ToLower(km.name)
			keyPath := field(opPath, km.name)
			if seen[key] {
				return nil, errorf(keyPath, "duplicate condition key (keys are case-insensitive)")
			}
			seen[key] = true
			if err := checkConditionKey(km.name); err != nil {
				return nil, at(keyPath, err)
			}
			c, err := compileCondition(op, key, km.value, keyPath, syn)
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
		}
	}
	return conds, nil
}

func checkConditionKey(key string) error {
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return errorf("", "malformed condition key %q", key)
	}
	return nil
}

// compileCondition parses the values of one key for op.
func compileCondition(op operator, key string, n *node, path string, syn patternSyntax) (*condition, error) {
	c := &condition{op: op, key: key}
	vals := n.list()
	if len(vals) == 0 {
		return nil, errorf(path, "no values")
	}
	for i, v := range vals {
		vp := path
		if n.kind == kindArray {
			vp = index(path, i)
		}
		if v.kind == kindNull || v.kind == kindArray || v.kind == kindObject {
			return nil, errorf(vp, "must be a string, number or boolean, not %s", v.kind)
		}
		if err := c.addValue(v.text, vp, syn); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// addValue compiles one policy value for the condition's operator.
func (c *condition) addValue(s, path string, syn patternSyntax) error {
	bad := func(what string) error { return errorf(path, "%s is not %s", strconv.Quote(s), what) }
	switch c.op.kind {
	case opString, opStringFold, opStringLike:
		p, err := compilePattern(s, patternSyntax{wildcards: c.op.kind == opStringLike, variables: syn.variables})
		if err != nil {
			return at(path, err)
		}
		c.pats = append(c.pats, p)
	case opARN:
		p, err := compileARNPattern(s, patternSyntax{wildcards: true, variables: syn.variables})
		if err != nil {
			return at(path, err)
		}
		c.arns = append(c.arns, p)
	case opNumeric:
		f, ok := parseNumber(s)
		if !ok {
			return bad("a number")
		}
		c.nums = append(c.nums, f)
	case opDate:
		t, ok := parseDate(s)
		if !ok {
			return bad("an ISO 8601 date or epoch seconds")
		}
		c.ts = append(c.ts, t)
	case opBool, opNull:
		b, ok := parseBool(s)
		if !ok {
			return bad("true or false")
		}
		c.bols = append(c.bols, b)
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad("base64")
		}
		c.bins = append(c.bins, string(b))
	case opIP:
		p, ok := parsePrefix(s)
		if !ok {
			return bad("an IP address or CIDR range")
		}
		c.nets = append(c.nets, p)
	}
	return nil
}
