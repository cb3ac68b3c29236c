package policy

import "strings"

// arnSegments is the number of colon-separated components of an ARN:
// arn:partition:service:region:account:resource.
const arnSegments = 6

// arnPattern matches ARNs component by component, as the ArnLike condition
// operator does and as the Resource element does: the first k-1 components
// of a k-component pattern (k <= 6) each match one colon-separated component
// of the ARN, and the last one matches the rest of the ARN, colons included.
// So "*" matches everything, "arn:aws:iot:*" every iot ARN, and in
// "arn:aws:iot:*:123456789012:thing/*" the region wildcard stays inside the
// region component.
type arnPattern struct {
	parts []*pattern
	any   bool // the pattern is a lone "*"
}

func compileARNPattern(s string, syn patternSyntax) (*arnPattern, error) {
	whole, err := compilePattern(s, syn)
	if err != nil {
		return nil, err
	}
	ap := &arnPattern{}
	if len(whole.toks) == 1 && whole.toks[0].kind == tokStar {
		ap.any = true
	}
	cur := &pattern{}
	for _, t := range whole.toks {
		for t.kind == tokLit && len(ap.parts) < arnSegments-1 {
			i := strings.IndexByte(t.text, ':')
			if i < 0 {
				break
			}
			if i > 0 {
				cur.toks = append(cur.toks, token{kind: tokLit, text: t.text[:i]})
			}
			ap.parts = append(ap.parts, cur)
			cur = &pattern{}
			t.text = t.text[i+1:]
		}
		if t.kind != tokLit || t.text != "" {
			cur.toks = append(cur.toks, t)
		}
	}
	ap.parts = append(ap.parts, cur)
	return ap, nil
}

// arnParts is an ARN split at its first five colons, without allocating.
type arnParts struct {
	s     string
	n     int                  // components found, 1..6
	start [arnSegments + 1]int // start[i] is where component i begins
}

func splitARN(s string) arnParts {
	a := arnParts{s: s, n: 1}
	for a.n < arnSegments {
		i := strings.IndexByte(s[a.start[a.n-1]:], ':')
		if i < 0 {
			break
		}
		a.start[a.n] = a.start[a.n-1] + i + 1
		a.n++
	}
	a.start[a.n] = len(s) + 1
	return a
}

// comp returns component i (i < n).
func (a *arnParts) comp(i int) string { return a.s[a.start[i] : a.start[i+1]-1] }

// rest returns component i and everything after it.
func (a *arnParts) rest(i int) string { return a.s[a.start[i]:] }

// match reports whether arn matches the pattern.
func (ap *arnPattern) match(arn string, ctx Context) bool {
	if ap.any {
		return true
	}
	a := splitARN(arn)
	return ap.matchParts(&a, ctx)
}

// matchParts matches a split ARN, trying the last, most selective component
// first.
func (ap *arnPattern) matchParts(a *arnParts, ctx Context) bool {
	if ap.any {
		return true
	}
	last := len(ap.parts) - 1
	if a.n <= last || !ap.parts[last].match(a.rest(last), ctx) {
		return false
	}
	for i, p := range ap.parts[:last] {
		if !p.match(a.comp(i), ctx) {
			return false
		}
	}
	return true
}
