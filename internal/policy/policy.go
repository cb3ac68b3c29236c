package policy

// Policy is one compiled identity-based policy document. It is immutable
// and safe for concurrent use.
type Policy struct {
	// Version is the policy language version: "2012-10-17" or "2008-10-17"
	// (also when the document names none).
	Version string
	// ID is the optional Id element.
	ID string
	// deny and allow hold the statements by effect, so that evaluation can
	// stop at the first matching Deny and then at the first matching Allow.
	deny, allow []*statement
}

// statement is one compiled Statement element.
type statement struct {
	sid         string
	notAction   bool
	actions     []*pattern
	notResource bool
	resources   []*arnPattern
	conds       []*condition
}

// Evaluate decides the request against this policy alone: ExplicitDeny if
// a Deny statement matches, else Allow if an Allow statement matches, else
// Deny.
func (p *Policy) Evaluate(r *Request) Decision {
	res := splitARN(r.Resource)
	if p.denies(r, &res) {
		return ExplicitDeny
	}
	if p.allows(r, &res) {
		return Allow
	}
	return Deny
}

// Evaluate decides the request against a principal's policies together, as
// AWS does for identity-based policies: an explicit deny in any policy wins,
// else an allow in any policy allows, else the request is implicitly denied.
// Nil policies are skipped.
func Evaluate(policies []*Policy, r *Request) Decision {
	res := splitARN(r.Resource)
	for _, p := range policies {
		if p != nil && p.denies(r, &res) {
			return ExplicitDeny
		}
	}
	for _, p := range policies {
		if p != nil && p.allows(r, &res) {
			return Allow
		}
	}
	return Deny
}

func (p *Policy) denies(r *Request, res *arnParts) bool {
	for _, s := range p.deny {
		if s.matches(r, res) {
			return true
		}
	}
	return false
}

func (p *Policy) allows(r *Request, res *arnParts) bool {
	for _, s := range p.allow {
		if s.matches(r, res) {
			return true
		}
	}
	return false
}

// matches reports whether the statement applies to the request: its action,
// resource (split once per evaluation) and every condition match.
func (s *statement) matches(r *Request, res *arnParts) bool {
	if s.matchAction(r.Action) == s.notAction {
		return false
	}
	if s.matchResource(res, r.Context) == s.notResource {
		return false
	}
	for _, c := range s.conds {
		if !c.eval(r.Context) {
			return false
		}
	}
	return true
}

func (s *statement) matchAction(action string) bool {
	for _, p := range s.actions {
		if p.match(action, nil) {
			return true
		}
	}
	return false
}

func (s *statement) matchResource(res *arnParts, ctx Context) bool {
	for _, p := range s.resources {
		if p.matchParts(res, ctx) {
			return true
		}
	}
	return false
}
