package policy

import (
	"strings"
)

// Policy language versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Parse parses and compiles one IAM identity-based policy document (JSON).
// A malformed document yields a *ParseError naming the field at fault, e.g.
// `Statement[2].Condition: unknown operator "StringEqualz"`.
func Parse(data []byte) (*Policy, error) {
	n, err := decodeTree(data)
	if err != nil {
		return nil, &ParseError{Msg: err.Error()}
	}
	return parsePolicy(n, "")
}

// parsePolicy compiles a decoded policy document found at path.
func parsePolicy(n *node, path string) (*Policy, error) {
	if err := checkObject(n, path, "Version", "Id", "Statement"); err != nil {
		return nil, err
	}
	p := &Policy{Version: Version2008}
	if v := n.member("Version"); v != nil {
		vp := field(path, "Version")
		if err := wantKind(v, kindString, vp); err != nil {
			return nil, err
		}
		if v.text != Version2012 && v.text != Version2008 {
			return nil, errorf(vp, "must be %q or %q, not %q", Version2012, Version2008, v.text)
		}
		p.Version = v.text
	}
	if id := n.member("Id"); id != nil {
		if err := wantKind(id, kindString, field(path, "Id")); err != nil {
			return nil, err
		}
		p.ID = id.text
	}
	st := n.member("Statement")
	sp := field(path, "Statement")
	if st == nil {
		return nil, errorf(sp, "missing")
	}
	syn := patternSyntax{wildcards: true, variables: p.Version == Version2012}
	stmts := st.list()
	if len(stmts) == 0 {
		return nil, errorf(sp, "no statements")
	}
	sids := map[string]bool{}
	for i, sn := range stmts {
		ip := sp
		if st.kind == kindArray {
			ip = index(sp, i)
		}
		s, deny, err := parseStatement(sn, ip, syn)
		if err != nil {
			return nil, err
		}
		if s.sid != "" && sids[s.sid] {
			return nil, errorf(field(ip, "Sid"), "duplicate Sid %q", s.sid)
		}
		sids[s.sid] = true
		if deny {
			p.deny = append(p.deny, s)
		} else {
			p.allow = append(p.allow, s)
		}
	}
	return p, nil
}

// parseStatement compiles one statement; deny reports its effect.
func parseStatement(n *node, path string, syn patternSyntax) (s *statement, deny bool, err error) {
	for _, name := range []string{"Principal", "NotPrincipal"} {
		if n.kind == kindObject && n.member(name) != nil {
			return nil, false, errorf(field(path, name), "not allowed in an identity-based policy (the principal is the user the policy is attached to)")
		}
	}
	err = checkObject(n, path, "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")
	if err != nil {
		return nil, false, err
	}
	s = &statement{}
	if s.sid, err = parseSid(n.member("Sid"), field(path, "Sid")); err != nil {
		return nil, false, err
	}
	if deny, err = parseEffect(n.member("Effect"), field(path, "Effect")); err != nil {
		return nil, false, err
	}
	if err = s.parseActions(n, path); err != nil {
		return nil, false, err
	}
	if err = s.parseResources(n, path, syn); err != nil {
		return nil, false, err
	}
	if c := n.member("Condition"); c != nil {
		if s.conds, err = parseConditionBlock(c, field(path, "Condition"), syn); err != nil {
			return nil, false, err
		}
	}
	return s, deny, nil
}

// parseSid reads the optional Sid: in IAM, ASCII letters and digits only.
func parseSid(n *node, path string) (string, error) {
	if n == nil {
		return "", nil
	}
	if err := wantKind(n, kindString, path); err != nil {
		return "", err
	}
	for _, c := range n.text {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "", errorf(path, "%q: only ASCII letters and digits are allowed", n.text)
		}
	}
	return n.text, nil
}

func parseEffect(n *node, path string) (deny bool, err error) {
	if n == nil {
		return false, errorf(path, "missing")
	}
	if err := wantKind(n, kindString, path); err != nil {
		return false, err
	}
	switch n.text {
	case "Allow":
		return false, nil
	case "Deny":
		return true, nil
	}
	return false, errorf(path, "must be \"Allow\" or \"Deny\", not %q", n.text)
}

// pick returns the one member of a pair (Action/NotAction, ...) that n has.
func pick(n *node, path, name, notName string) (*node, string, bool, error) {
	a, na := n.member(name), n.member(notName)
	switch {
	case a != nil && na != nil:
		return nil, "", false, errorf(path, "has both %s and %s", name, notName)
	case a != nil:
		return a, field(path, name), false, nil
	case na != nil:
		return na, field(path, notName), true, nil
	}
	return nil, "", false, errorf(path, "needs %s or %s", name, notName)
}

// stringList reads one string or a non-empty array of strings, calling fn
// with each and its path.
func stringList(n *node, path string, fn func(s, path string) error) error {
	if n.kind != kindArray {
		if err := wantKind(n, kindString, path); err != nil {
			return errorf(path, "must be a string or an array of strings, not %s", n.kind)
		}
		return fn(n.text, path)
	}
	if len(n.elems) == 0 {
		return errorf(path, "empty array")
	}
	for i, e := range n.elems {
		ep := index(path, i)
		if err := wantKind(e, kindString, ep); err != nil {
			return err
		}
		if err := fn(e.text, ep); err != nil {
			return err
		}
	}
	return nil
}

func (s *statement) parseActions(n *node, path string) error {
	an, ap, not, err := pick(n, path, "Action", "NotAction")
	if err != nil {
		return err
	}
	s.notAction = not
	return stringList(an, ap, func(a, p string) error {
		if err := checkAction(a); err != nil {
			return at(p, err)
		}
		pat, _ := compilePattern(toLowerASCII(a), patternSyntax{wildcards: true})
		pat.fold = true
		s.actions = append(s.actions, pat)
		return nil
	})
}

// checkAction accepts "*" and "service:action" with a plain service prefix.
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" {
		return errorf("", "%q: an action is \"*\" or \"service:action\"", a)
	}
	for _, c := range svc {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return errorf("", "%q: the service prefix may hold only letters, digits and '-'", a)
		}
	}
	return nil
}

func (s *statement) parseResources(n *node, path string, syn patternSyntax) error {
	rn, rp, not, err := pick(n, path, "Resource", "NotResource")
	if err != nil {
		return err
	}
	s.notResource = not
	return stringList(rn, rp, func(r, p string) error {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return errorf(p, "%q: a resource is \"*\" or an ARN", r)
		}
		ap, err := compileARNPattern(r, syn)
		if err != nil {
			return at(p, err)
		}
		s.resources = append(s.resources, ap)
		return nil
	})
}
