package policy

// MayAllow reports whether any of the policies has an Allow statement
// whose Action (or NotAction) covers action, whatever its resources and
// conditions. A caller uses it to tell "allowed for some resources" from
// "never allowed", e.g. to filter a listing instead of refusing it.
func MayAllow(policies []*Policy, action string) bool {
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, s := range p.allow {
			if s.matchAction(action) != s.notAction {
				return true
			}
		}
	}
	return false
}
