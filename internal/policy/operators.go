package policy

import "strings"

// opKind is the family of a condition operator, which decides how its
// values are read and compared.
type opKind uint8

const (
	opString     opKind = iota // StringEquals: exact, case-sensitive
	opStringFold               // StringEqualsIgnoreCase
	opStringLike               // StringLike: '*' and '?' wildcards
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opARN
	opNull
)

// cmpKind is the comparison of a numeric or date operator.
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type opInfo struct {
	kind    opKind
	cmp     cmpKind
	negated bool
}

// operators maps each base operator name (without a set prefix or the
// IfExists suffix) to its meaning. The names are case-sensitive, as AWS's.
var operators = map[string]opInfo{
	"StringEquals":              {kind: opString},
	"StringNotEquals":           {kind: opString, negated: true},
	"StringEqualsIgnoreCase":    {kind: opStringFold},
	"StringNotEqualsIgnoreCase": {kind: opStringFold, negated: true},
	"StringLike":                {kind: opStringLike},
	"StringNotLike":             {kind: opStringLike, negated: true},
	"NumericEquals":             {kind: opNumeric, cmp: cmpEq},
	"NumericNotEquals":          {kind: opNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {kind: opNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {kind: opNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {kind: opNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {kind: opNumeric, cmp: cmpGe},
	"DateEquals":                {kind: opDate, cmp: cmpEq},
	"DateNotEquals":             {kind: opDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {kind: opDate, cmp: cmpLt},
	"DateLessThanEquals":        {kind: opDate, cmp: cmpLe},
	"DateGreaterThan":           {kind: opDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {kind: opDate, cmp: cmpGe},
	"Bool":                      {kind: opBool},
	"BinaryEquals":              {kind: opBinary},
	"IpAddress":                 {kind: opIP},
	"NotIpAddress":              {kind: opIP, negated: true},
	"ArnEquals":                 {kind: opARN},
	"ArnLike":                   {kind: opARN},
	"ArnNotEquals":              {kind: opARN, negated: true},
	"ArnNotLike":                {kind: opARN, negated: true},
	"Null":                      {kind: opNull},
}

// setKind is the set operator prefix of a condition operator.
type setKind uint8

const (
	setNone   setKind = iota
	setForAll         // ForAllValues:
	setForAny         // ForAnyValue:
)

// operator is a fully parsed condition operator name.
type operator struct {
	opInfo
	set      setKind
	ifExists bool
}

// parseOperator reads a name such as "ForAnyValue:StringLikeIfExists".
func parseOperator(name string) (operator, error) {
	var op operator
	base := name
	if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		op.set, base = setForAll, rest
	} else if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		op.set, base = setForAny, rest
	}
	info, ok := operators[base]
	if !ok {
		if b, cut := strings.CutSuffix(base, "IfExists"); cut {
			info, ok = operators[b]
			op.ifExists = ok
		}
	}
	if !ok {
		return op, errorf("", "unknown operator %q", name)
	}
	op.opInfo = info
	if info.kind == opNull && (op.ifExists || op.set != setNone) {
		return op, errorf("", "operator %q: Null takes neither a set prefix nor IfExists", name)
	}
	return op, nil
}

// holds reports whether c accepts sign, the sign of (request value - policy
// value).
func (c cmpKind) holds(sign int) bool {
	switch c {
	case cmpLt:
		return sign < 0
	case cmpLe:
		return sign <= 0
	case cmpGt:
		return sign > 0
	case cmpGe:
		return sign >= 0
	}
	return sign == 0
}
