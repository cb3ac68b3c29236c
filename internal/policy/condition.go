package policy

import (
	"net/netip"
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
