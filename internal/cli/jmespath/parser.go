package jmespath

import (
	"errors"
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// node is an AST node; its types and shapes follow jmespath.ast.
type node struct {
	typ      string
	value    any
	children []*node
}

// Expr is a compiled JMESPath expression.
type Expr struct {
	expression string
	root       *node
}

// ParseError is jmespath's ParseError (and IncompleteExpressionError when
// incomplete is set).
type ParseError struct {
	pos        int
	tokValue   any
	tokType    string
	msg        string
	expression string
	incomplete bool
}

func (e *ParseError) Error() string {
	if e.incomplete {
		return fmt.Sprintf("Invalid jmespath expression: Incomplete expression:\n\"%s\"\n%s^",
			e.expression, strings.Repeat(" ", len([]rune(e.expression))+1))
	}
	return fmt.Sprintf("%s: Parse error at column %d, token \"%s\" (%s), for expression:\n\"%s\"\n%s^",
		e.msg, e.pos, pyjson.Str(e.tokValue), strings.ToUpper(e.tokType), e.expression, strings.Repeat(" ", e.pos+1))
}

// ErrEmpty is jmespath's EmptyExpressionError.
var ErrEmpty = errors.New("Invalid JMESPath expression: cannot be empty.")

var bindingPower = map[string]int{
	"eof": 0, "unquoted_identifier": 0, "quoted_identifier": 0, "literal": 0,
	"rbracket": 0, "rparen": 0, "comma": 0, "rbrace": 0, "number": 0,
	"current": 0, "expref": 0, "colon": 0, "pipe": 1, "or": 2, "and": 3,
	"eq": 5, "gt": 5, "lt": 5, "gte": 5, "lte": 5, "ne": 5, "flatten": 9,
	"star": 20, "filter": 21, "dot": 40, "not": 45, "lbrace": 50,
	"lbracket": 55, "lparen": 60,
}

const projectionStop = 10

// Compile parses expression.
func Compile(expression string) (*Expr, error) {
	if expression == "" {
		return nil, ErrEmpty
	}
	toks, err := tokenize(expression)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.parse()
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.expression = expression
		}
		return nil, err
	}
	return &Expr{expression: expression, root: root}, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) parse() (*node, error) {
	n, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.cur() != "eof" {
		t := p.tok(0)
		return nil, &ParseError{pos: t.start, tokValue: t.shown(), tokType: t.typ, msg: "Unexpected token: " + pyjson.Str(t.shown())}
	}
	return n, nil
}

func (p *parser) cur() string { return p.toks[p.i].typ }

func (p *parser) tok(n int) token {
	if p.i+n < 0 {
		return p.toks[len(p.toks)+p.i+n]
	}
	return p.toks[p.i+n]
}

func (p *parser) lookahead(n int) string {
	if p.i+n >= len(p.toks) {
		return "eof"
	}
	return p.toks[p.i+n].typ
}

func (p *parser) advance() { p.i++ }

func (p *parser) expression(bp int) (*node, error) {
	left := p.tok(0)
	p.advance()
	n, err := p.nud(left)
	if err != nil {
		return nil, err
	}
	for bp < bindingPower[p.cur()] {
		t := p.cur()
		p.advance()
		n, err = p.led(t, n)
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func tokenError(t token, reason string) error {
	return &ParseError{pos: t.start, tokValue: t.shown(), tokType: t.typ, msg: reason}
}

func (p *parser) errorMaybeEOF(expected string, t token) error {
	if t.typ == "eof" {
		return &ParseError{pos: t.start, tokValue: t.shown(), tokType: t.typ, incomplete: true}
	}
	return &ParseError{pos: t.start, tokValue: t.shown(), tokType: t.typ,
		msg: fmt.Sprintf("Expecting: %s, got: %s", expected, t.typ)}
}

func (p *parser) match(typ string) error {
	if p.cur() == typ {
		p.advance()
		return nil
	}
	return p.errorMaybeEOF(typ, p.tok(0))
}

func leaf(typ string, v any) *node { return &node{typ: typ, value: v} }

func tree(typ string, v any, children ...*node) *node {
	return &node{typ: typ, value: v, children: children}
}

func (p *parser) nud(t token) (*node, error) {
	switch t.typ {
	case "literal":
		return leaf("literal", t.value), nil
	case "unquoted_identifier":
		return leaf("field", t.value), nil
	case "quoted_identifier":
		if p.cur() == "lparen" {
			n := p.tok(0)
			return nil, &ParseError{pos: 0, tokValue: n.shown(), tokType: n.typ, msg: "Quoted identifier not allowed for function names."}
		}
		return leaf("field", t.value), nil
	case "star":
		right := leaf("identity", nil)
		if p.cur() != "rbracket" {
			var err error
			if right, err = p.projectionRHS(bindingPower["star"]); err != nil {
				return nil, err
			}
		}
		return tree("value_projection", nil, leaf("identity", nil), right), nil
	case "filter":
		return p.ledFilter(leaf("identity", nil))
	case "lbrace":
		return p.multiSelectHash()
	case "lparen":
		n, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		return n, p.match("rparen")
	case "flatten":
		right, err := p.projectionRHS(bindingPower["flatten"])
		if err != nil {
			return nil, err
		}
		return tree("projection", nil, tree("flatten", nil, leaf("identity", nil)), right), nil
	case "not":
		n, err := p.expression(bindingPower["not"])
		if err != nil {
			return nil, err
		}
		return tree("not_expression", nil, n), nil
	case "lbracket":
		return p.nudLbracket()
	case "current":
		return leaf("current", nil), nil
	case "expref":
		n, err := p.expression(bindingPower["expref"])
		if err != nil {
			return nil, err
		}
		return tree("expref", nil, n), nil
	case "eof":
		return nil, &ParseError{pos: t.start, tokValue: t.shown(), tokType: t.typ, incomplete: true}
	}
	return nil, tokenError(t, "invalid token")
}

func (p *parser) nudLbracket() (*node, error) {
	switch {
	case p.cur() == "number" || p.cur() == "colon":
		right, err := p.indexExpression()
		if err != nil {
			return nil, err
		}
		return p.projectIfSlice(leaf("identity", nil), right)
	case p.cur() == "star" && p.lookahead(1) == "rbracket":
		p.advance()
		p.advance()
		right, err := p.projectionRHS(bindingPower["star"])
		if err != nil {
			return nil, err
		}
		return tree("projection", nil, leaf("identity", nil), right), nil
	}
	return p.multiSelectList()
}

func (p *parser) indexExpression() (*node, error) {
	if p.lookahead(0) == "colon" || p.lookahead(1) == "colon" {
		return p.sliceExpression()
	}
	n := leaf("index", p.tok(0).value)
	p.advance()
	return n, p.match("rbracket")
}

func (p *parser) sliceExpression() (*node, error) {
	parts := []any{nil, nil, nil}
	idx := 0
	for cur := p.cur(); cur != "rbracket" && idx < 3; cur = p.cur() {
		switch cur {
		case "colon":
			idx++
			if idx == 3 {
				return nil, tokenError(p.tok(0), "syntax error")
			}
			p.advance()
		case "number":
			parts[idx] = p.tok(0).value
			p.advance()
		default:
			return nil, tokenError(p.tok(0), "syntax error")
		}
	}
	if err := p.match("rbracket"); err != nil {
		return nil, err
	}
	return leaf("slice", parts), nil
}

func (p *parser) projectIfSlice(left, right *node) (*node, error) {
	idx := tree("index_expression", nil, left, right)
	if right.typ != "slice" {
		return idx, nil
	}
	rhs, err := p.projectionRHS(bindingPower["star"])
	if err != nil {
		return nil, err
	}
	return tree("projection", nil, idx, rhs), nil
}

func (p *parser) led(typ string, left *node) (*node, error) {
	switch typ {
	case "dot":
		return p.ledDot(left)
	case "pipe", "or", "and":
		right, err := p.expression(bindingPower[typ])
		if err != nil {
			return nil, err
		}
		name := map[string]string{"pipe": "pipe", "or": "or_expression", "and": "and_expression"}[typ]
		return tree(name, nil, left, right), nil
	case "lparen":
		return p.ledLparen(left)
	case "filter":
		return p.ledFilter(left)
	case "eq", "ne", "gt", "gte", "lt", "lte":
		right, err := p.expression(bindingPower[typ])
		if err != nil {
			return nil, err
		}
		return tree("comparator", typ, left, right), nil
	case "flatten":
		right, err := p.projectionRHS(bindingPower["flatten"])
		if err != nil {
			return nil, err
		}
		return tree("projection", nil, tree("flatten", nil, left), right), nil
	case "lbracket":
		return p.ledLbracket(left)
	}
	// Python looks up _token_led_<type> and fails on the token just consumed.
	p.i--
	return nil, tokenError(p.tok(0), "invalid token")
}

func (p *parser) ledDot(left *node) (*node, error) {
	if p.cur() != "star" {
		right, err := p.dotRHS(bindingPower["dot"])
		if err != nil {
			return nil, err
		}
		if left.typ == "subexpression" {
			left.children = append(left.children, right)
			return left, nil
		}
		return tree("subexpression", nil, left, right), nil
	}
	p.advance()
	right, err := p.projectionRHS(bindingPower["dot"])
	if err != nil {
		return nil, err
	}
	return tree("value_projection", nil, left, right), nil
}

func (p *parser) ledLparen(left *node) (*node, error) {
	if left.typ != "field" {
		prev := p.tok(-2)
		return nil, tokenError(prev, "Invalid function name '"+pyjson.Str(prev.value)+"'")
	}
	var args []*node
	for p.cur() != "rparen" {
		e, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if p.cur() == "comma" {
			if err := p.match("comma"); err != nil {
				return nil, err
			}
		}
		args = append(args, e)
	}
	if err := p.match("rparen"); err != nil {
		return nil, err
	}
	return tree("function_expression", left.value, args...), nil
}

func (p *parser) ledFilter(left *node) (*node, error) {
	cond, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if err := p.match("rbracket"); err != nil {
		return nil, err
	}
	right := leaf("identity", nil)
	if p.cur() != "flatten" {
		if right, err = p.projectionRHS(bindingPower["filter"]); err != nil {
			return nil, err
		}
	}
	return tree("filter_projection", nil, left, right, cond), nil
}

func (p *parser) ledLbracket(left *node) (*node, error) {
	t := p.tok(0)
	if t.typ == "number" || t.typ == "colon" {
		right, err := p.indexExpression()
		if err != nil {
			return nil, err
		}
		if left.typ == "index_expression" {
			left.children = append(left.children, right)
			return left, nil
		}
		return p.projectIfSlice(left, right)
	}
	if err := p.match("star"); err != nil {
		return nil, err
	}
	if err := p.match("rbracket"); err != nil {
		return nil, err
	}
	right, err := p.projectionRHS(bindingPower["star"])
	if err != nil {
		return nil, err
	}
	return tree("projection", nil, left, right), nil
}

func (p *parser) multiSelectList() (*node, error) {
	var exprs []*node
	for {
		e, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
		if p.cur() == "rbracket" {
			break
		}
		if err := p.match("comma"); err != nil {
			return nil, err
		}
	}
	if err := p.match("rbracket"); err != nil {
		return nil, err
	}
	return tree("multi_select_list", nil, exprs...), nil
}

func (p *parser) multiSelectHash() (*node, error) {
	var pairs []*node
	for {
		key := p.tok(0)
		if key.typ != "quoted_identifier" && key.typ != "unquoted_identifier" {
			return nil, p.errorMaybeEOF("['quoted_identifier', 'unquoted_identifier']", key)
		}
		p.advance()
		if err := p.match("colon"); err != nil {
			return nil, err
		}
		v, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, tree("key_val_pair", key.value, v))
		if p.cur() == "comma" {
			p.advance()
		} else if p.cur() == "rbrace" {
			p.advance()
			break
		}
	}
	return tree("multi_select_dict", nil, pairs...), nil
}

func (p *parser) projectionRHS(bp int) (*node, error) {
	switch cur := p.cur(); {
	case bindingPower[cur] < projectionStop:
		return leaf("identity", nil), nil
	case cur == "lbracket" || cur == "filter":
		return p.expression(bp)
	case cur == "dot":
		if err := p.match("dot"); err != nil {
			return nil, err
		}
		return p.dotRHS(bp)
	}
	return nil, tokenError(p.tok(0), "syntax error")
}

func (p *parser) dotRHS(bp int) (*node, error) {
	switch p.cur() {
	case "quoted_identifier", "unquoted_identifier", "star":
		return p.expression(bp)
	case "lbracket":
		p.advance()
		return p.multiSelectList()
	case "lbrace":
		p.advance()
		return p.multiSelectHash()
	}
	t := p.tok(0)
	return nil, tokenError(t, fmt.Sprintf("Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: %s", t.typ))
}
