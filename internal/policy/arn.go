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

// match reports whether arn matches the pattern.
func (ap *arnPattern) match(arn string, ctx Context) bool {
	if ap.any {
		return true
	}
	last := len(ap.parts) - 1
	for _, p := range ap.parts[:last] {
		i := strings.IndexByte(arn, ':')
		if i < 0 || !p.match(arn[:i], ctx) {
			return false
		}
		arn = arn[i+1:]
	}
	return ap.parts[last].match(arn, ctx)
}
