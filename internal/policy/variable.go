package policy

import "strings"

// parseVariable reads one ${...} at the start of s and returns it with the
// number of bytes it took. ${*}, ${?} and ${$} come back as literals.
func parseVariable(s string) (token, int, error) {
	end := strings.IndexByte(s, '}')
	comma := strings.IndexByte(s, ',')
	if end < 0 {
		return token{}, 0, errorf("", "unterminated policy variable %q", s)
	}
	if comma < 0 || comma > end {
		key := strings.TrimSpace(s[2:end])
		switch key {
		case "*", "?", "$":
			return token{kind: tokLit, text: key}, end + 1, nil
		}
		if err := checkVariableKey(key, s[:end+1]); err != nil {
			return token{}, 0, err
		}
		return token{kind: tokVar, text: strings.ToLower(key)}, end + 1, nil
	}
	key := strings.TrimSpace(s[2:comma])
	rest := strings.TrimLeft(s[comma+1:], " ")
	if !strings.HasPrefix(rest, "'") {
		return token{}, 0, errorf("", "policy variable %q: default value must be in single quotes", s[:end+1])
	}
	q := strings.IndexByte(rest[1:], '\'')
	if q < 0 {
		return token{}, 0, errorf("", "policy variable %q: unterminated default value", s)
	}
	def := rest[1 : 1+q]
	after := strings.TrimLeft(rest[2+q:], " ")
	if !strings.HasPrefix(after, "}") {
		return token{}, 0, errorf("", "policy variable %q: expected } after the default value", s)
	}
	n := len(s) - len(after) + 1
	if err := checkVariableKey(key, s[:n]); err != nil {
		return token{}, 0, err
	}
	return token{kind: tokVar, text: strings.ToLower(key), def: def, hasDef: true}, n, nil
}

func checkVariableKey(key, whole string) error {
	if key == "" || strings.ContainsAny(key, " \t\r\n${'") {
		return errorf("", "malformed policy variable %q", whole)
	}
	return nil
}
