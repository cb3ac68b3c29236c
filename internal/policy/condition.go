package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// condition is one operator applied to one context key, with the policy's
// values for that key compiled for the operator's kind.
type condition struct {
	op   operator
	key  string // lower-cased
	pats []*pattern
	arns []*arnPattern
	nums []float64
	ts   []time.Time
	bins []string
	nets []netip.Prefix
	bols []bool // Bool and Null
}

// eval reports whether the condition holds for ctx, following AWS:
// several policy values are ORed (NORed for a negated operator); an absent
// key fails a positive operator and passes a negated one, passes IfExists
// and ForAllValues, and fails ForAnyValue; a plain operator on a key with
// several request values holds when any of them matches (negated: none).
func (c *condition) eval(ctx Context) bool {
	vals := ctx[c.key]
	if c.op.kind == opNull {
		absent := len(vals) == 0
		for _, want := range c.bols {
			if want == absent {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		if c.op.ifExists {
			return true
		}
		switch c.op.set {
		case setForAll:
			return true
		case setForAny:
			return false
		}
		return c.op.negated
	}
	switch c.op.set {
	case setForAll:
		for _, v := range vals {
			if c.matchValue(v, ctx) == c.op.negated {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range vals {
			if c.matchValue(v, ctx) != c.op.negated {
				return true
			}
		}
		return false
	}
	for _, v := range vals {
		if c.matchValue(v, ctx) {
			return !c.op.negated
		}
	}
	return c.op.negated
}

// matchValue reports whether one request value matches any policy value
// under the positive form of the operator.
func (c *condition) matchValue(v string, ctx Context) bool {
	switch c.op.kind {
	case opString, opStringLike:
		for _, p := range c.pats {
			if p.match(v, ctx) {
				return true
			}
		}
	case opStringFold:
		for _, p := range c.pats {
			if p.equalFold(v, ctx) {
				return true
			}
		}
	case opARN:
		for _, p := range c.arns {
			if p.match(v, ctx) {
				return true
			}
		}
	case opNumeric:
		x, ok := parseNumber(v)
		for _, n := range c.nums {
			if ok && c.op.cmp.holds(compareFloat(x, n)) {
				return true
			}
		}
	case opDate:
		t, ok := parseDate(v)
		for _, d := range c.ts {
			if ok && c.op.cmp.holds(t.Compare(d)) {
				return true
			}
		}
	case opBool:
		b, ok := parseBool(v)
		for _, want := range c.bols {
			if ok && b == want {
				return true
			}
		}
	case opBinary:
		for _, b := range c.bins {
			if v == b {
				return true
			}
		}
	case opIP:
		a, ok := parseAddr(v)
		for _, n := range c.nets {
			if ok && n.Contains(a) {
				return true
			}
		}
	}
	return false
}

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
