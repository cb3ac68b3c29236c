package policy

import (
	"fmt"
	"strconv"
)

// ParseError reports a malformed policy or policy file. Path names the field
// at fault in the document, e.g. `Statement[2].Condition.StringEqualz` or
// `users[1].policies[0].Statement[3].Effect`; it is empty for errors that
// concern the whole document (invalid JSON).
type ParseError struct {
	Path string
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errorf(path, format string, args ...any) error {
	return &ParseError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// field appends a member name to a path.
func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index appends an array index to a path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// wantKind fails unless n has kind k.
func wantKind(n *node, k kind, path string) error {
	if n.kind != k {
		return errorf(path, "must be %s, not %s", k, n.kind)
	}
	return nil
}

// checkObject fails unless n is an object whose members are all in allowed
// and none occurs twice.
func checkObject(n *node, path string, allowed ...string) error {
	if err := wantKind(n, kindObject, path); err != nil {
		return err
	}
	if n.dup != "" {
		return errorf(field(path, n.dup), "duplicate member")
	}
	for _, m := range n.members {
		if !contains(allowed, m.name) {
			return errorf(field(path, m.name), "unknown member")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// at places an error from a helper that knows no path at path.
func at(path string, err error) error {
	if pe, ok := err.(*ParseError); ok && pe.Path == "" {
		return &ParseError{Path: path, Msg: pe.Msg}
	}
	return err
}
