package jmespath

import (
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// The errors of function calls. LexerError and ParseError are in lexer.go
// and parser.go; errors Python raises outside jmespath's exception classes
// (a TypeError from comparing a number with a string, say) are plain
// errors with Python's message.

// TypeError is jmespath's JMESPathTypeError.
type TypeError struct {
	fn       string
	value    any
	actual   string
	expected []string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("In function %s(), invalid type for value: %s, expected one of: %s, received: \"%s\"",
		e.fn, strValue(e.value), pyList(e.expected), e.actual)
}

func strValue(v any) string {
	if x, ok := v.(expref); ok {
		return x.String()
	}
	return pyjson.Str(v)
}

func pyList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = pyjson.QuoteRepr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ArityError is jmespath's ArityError (VariadictArityError when variadic
// is set): a function called with the wrong number of arguments.
type ArityError struct {
	name             string
	expected, actual int
	variadic         bool
}

func (e *ArityError) Error() string {
	least := ""
	if e.variadic {
		least = "at least "
	}
	return fmt.Sprintf("Expected %s%d %s for function %s(), received %d", least, e.expected, plural(e.expected), e.name, e.actual)
}

// UnknownFunctionError is jmespath's UnknownFunctionError.
type UnknownFunctionError struct{ name string }

func (e *UnknownFunctionError) Error() string { return "Unknown function: " + e.name + "()" }

func plural(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}
