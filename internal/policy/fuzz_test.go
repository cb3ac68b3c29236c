package policy

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no document makes Parse or ParseFile panic, and that
// a policy that parses evaluates any request without panicking.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/policies.json"); err == nil {
		f.Add(data, "iot:OpenTunnel", thingARN, "aws:ResourceTag/site", "berlin")
	}
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:*:thing/${aws:username, 'x'}"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"iot:Close*","NotResource":"*","Condition":{"ForAnyValue:StringNotLikeIfExists":{"k":["a*","${k}"]}}}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"k":"2020-01-01T00:00Z"},"IpAddress":{"k":"::/0"},"NumericGreaterThan":{"k":1.5},"Bool":{"k":true},"BinaryEquals":{"k":"AA=="},"Null":{"k":"false"},"ArnNotLike":{"k":"arn:*:*"}}}}`,
		`{"users":[{"name":"a","accessKeyIds":["AKIA1"],"policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}]}`,
		`{"Statement":[]}`, `[`, `{"a":1,"a":2}`, `"${"`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "iot:OpenTunnel", tunnelARN, "k", "1.5")
	}
	f.Fuzz(func(t *testing.T, data []byte, action, resource, key, value string) {
		if file, err := ParseFile(data); err == nil {
			for _, u := range file.Users {
				u.Evaluate(&Request{Action: action, Resource: resource})
			}
		}
		p, err := Parse(data)
		if err != nil {
			return
		}
		ctx := Context{}
		ctx.Set(key, value)
		ctx.Add(key, value+"x")
		ctx.Set("aws:SourceIp", value)
		ctx.Set("aws:CurrentTime", value)
		r := &Request{Action: action, Resource: resource, Context: ctx}
		if p.Evaluate(r) != Evaluate([]*Policy{p}, r) {
			t.Errorf("Policy.Evaluate and Evaluate disagree for %q", data)
		}
		p.Evaluate(&Request{Action: action, Resource: resource})
	})
}

// globRegexp is the reference matcher: the pattern as an anchored regexp.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// comparable reports whether the regexp reference applies: it needs a valid
// UTF-8 pattern, and it reads an invalid byte of the subject as U+FFFD.
func comparable(pattern, s string) bool {
	return utf8.ValidString(pattern) && (utf8.ValidString(s) || !strings.ContainsRune(pattern, utf8.RuneError))
}

// FuzzGlob compares the wildcard matcher, case-sensitive and ASCII
// case-insensitive (actions), with a regexp-based reference.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*b*c", "abbbc"}, {"*ab*ab", "abxab"}, {"?*?", "xy"}, {"a?c", "aéc"},
		{"iot:*Tunnel", "IOT:OpenTunnel"}, {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"**?", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !comparable(pattern, s) || len(pattern) > 200 {
			return
		}
		p, err := compilePattern(pattern, patternSyntax{wildcards: true})
		if err != nil {
			t.Fatalf("compilePattern(%q) = %v", pattern, err)
		}
		if got, want := p.match(s, nil), globRegexp(pattern).MatchString(s); got != want {
			t.Errorf("match(%q, %q) = %v, reference %v", pattern, s, got, want)
		}
		low := toLowerASCII(pattern)
		fp, _ := compilePattern(low, patternSyntax{wildcards: true})
		fp.fold = true
		if got, want := fp.match(s, nil), globRegexp(low).MatchString(toLowerASCII(s)); got != want {
			t.Errorf("folded match(%q, %q) = %v, reference %v", pattern, s, got, want)
		}
	})
}

// FuzzARNPattern compares component-wise ARN matching with a reference that
// splits both strings and matches each component with a regexp.
func FuzzARNPattern(f *testing.F) {
	for _, s := range [][2]string{
		{"*", thingARN}, {"arn:aws:iot:*", thingARN}, {"arn:aws:iot:*:*:thing/*", thingARN},
		{"arn:aws:iot:*:123456789012:tunnel/*", thingARN}, {"a:*:c", "a:b:x:c"}, {"a:b:c:d:e:f:*", "a:b:c:d:e:f:g"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, arn string) {
		if !comparable(pattern, arn) || len(pattern) > 200 {
			return
		}
		p, err := compileARNPattern(pattern, patternSyntax{wildcards: true})
		if err != nil {
			t.Fatalf("compileARNPattern(%q) = %v", pattern, err)
		}
		parts := strings.SplitN(pattern, ":", arnSegments)
		comps := strings.SplitN(arn, ":", len(parts))
		want := len(comps) == len(parts)
		for i := 0; want && i < len(parts); i++ {
			want = globRegexp(parts[i]).MatchString(comps[i])
		}
		if pattern == "*" {
			want = true
		}
		if got := p.match(arn, nil); got != want {
			t.Errorf("ARN match(%q, %q) = %v, reference %v", pattern, arn, got, want)
		}
	})
}
