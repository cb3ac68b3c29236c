package policy

import "testing"

func mustPattern(t *testing.T, s string, syn patternSyntax) *pattern {
	t.Helper()
	p, err := compilePattern(s, syn)
	if err != nil {
		t.Fatalf("compilePattern(%q) = %v", s, err)
	}
	return p
}

func TestPatternWildcards(t *testing.T) {
	syn := patternSyntax{wildcards: true}
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"abc", "ab", false},
		{"a*", "a", true},        // '*' matches the empty string
		{"*a", "a", true},        //
		{"a*b", "ab", true},      //
		{"a*b", "axxb", true},    //
		{"a*b", "axxbc", false},  // anchored at the end
		{"a*b*c", "abbbc", true}, // several stars
		{"a*b*c", "acb", false},
		{"**", "x", true},
		{"*x*", "axbxc", true},
		{"*ab*ab", "abxab", true},
		{"*aab", "aaab", true}, // backtracking
		{"?", "", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"??", "ab", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"?", "é", true}, // one character, not one byte
		{"a?", "aé", true},
		{"*?", "", false},
		{"*?", "x", true},
		{"?*?", "xy", true},
		{"Abc", "abc", false}, // case-sensitive
		{"tunnel/*", "tunnel/", true},
		{"tunnel/*", "tunnel", false},
	}
	for _, tt := range tests {
		if got := mustPattern(t, tt.pat, syn).match(tt.s, nil); got != tt.want {
			t.Errorf("pattern %q match(%q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestPatternLiteralWildcards(t *testing.T) {
	// StringEquals reads '*' and '?' literally.
	p := mustPattern(t, "a*?", patternSyntax{})
	if !p.match("a*?", nil) || p.match("abc", nil) {
		t.Errorf("literal pattern a*? should match only itself")
	}
}

func TestPatternVariables(t *testing.T) {
	ctx := Context{}
	ctx.Set("aws:username", "alice")
	ctx.Set("aws:PrincipalTag/team", "red*")
	ctx.Set("aws:TagKeys", "a", "b")
	syn := patternSyntax{wildcards: true, variables: true}
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"home/${aws:username}/*", "home/alice/x", true},
		{"home/${aws:username}/*", "home/bob/x", false},
		{"home/${AWS:UserName}", "home/alice", true},                 // keys are case-insensitive
		{"${aws:principaltag/team}", "red*", true},                   // values are literal
		{"${aws:principaltag/team}", "redder", false},                // not a wildcard
		{"${aws:missing}", "", false},                                // unresolved: no match
		{"*${aws:missing}*", "anything", false},                      //
		{"${aws:missing, 'anon'}", "anon", true},                     // default
		{"${aws:username, 'anon'}", "alice", true},                   //
		{"${aws:missing,'x y'}", "x y", true},                        // default with a space
		{"${aws:TagKeys}", "a", false},                               // multi-valued: no value
		{"${aws:TagKeys, 'd'}", "d", true},                           //
		{"a${*}b", "a*b", true},                                      // escapes
		{"a${*}b", "axb", false},                                     //
		{"a${?}", "a?", true},                                        //
		{"a${?}", "ab", false},                                       //
		{"${$}{x}", "${x}", true},                                    //
		{"x-${aws:username}-${aws:username}", "x-alice-alice", true}, //
	}
	for _, tt := range tests {
		if got := mustPattern(t, tt.pat, syn).match(tt.s, ctx); got != tt.want {
			t.Errorf("pattern %q match(%q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
	// Without variables (Version 2008-10-17) ${...} is literal text.
	if p := mustPattern(t, "${aws:username}", patternSyntax{wildcards: true}); !p.match("${aws:username}", ctx) || p.match("alice", ctx) {
		t.Errorf("2008 pattern should read ${aws:username} literally")
	}
}

func TestPatternVariableErrors(t *testing.T) {
	for _, s := range []string{"${aws:username", "${}", "${a b}", "${a, anon}", "${a, 'anon}", "${a, 'x' y}"} {
		if _, err := compilePattern(s, patternSyntax{variables: true}); err == nil {
			t.Errorf("compilePattern(%q) succeeded, want an error", s)
		}
	}
}

func TestPatternEqualFold(t *testing.T) {
	ctx := Context{}
	ctx.Set("k", "ÄBC")
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"abc", "ABC", true},
		{"abc", "ABCD", false},
		{"äbc", "ÄBC", true},
		{"x${k}", "Xäbc", true},
		{"x${k}", "Xäbd", false},
		{"x${k}y", "xäbc", false},
		{"x${nope}", "x", false},
		{"k", "\u212a", true}, // Kelvin sign folds to k
	}
	for _, tt := range tests {
		p := mustPattern(t, tt.pat, patternSyntax{variables: true})
		if got := p.equalFold(tt.s, ctx); got != tt.want {
			t.Errorf("pattern %q equalFold(%q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestARNPattern(t *testing.T) {
	const thing = "arn:aws:iot:us-east-1:123456789012:thing/berlin-1"
	ctx := Context{}
	ctx.Set("aws:username", "alice")
	tests := []struct {
		pat, arn string
		want     bool
	}{
		{"*", thing, true},
		{"*", "", true},
		{thing, thing, true},
		{"arn:aws:iot:*", thing, true}, // a last-component star spans colons
		{"arn:aws:iot:*:123456789012:thing/*", thing, true},
		{"arn:aws:iot:*:123456789012:thing/*", "arn:aws:iot:us-east-1:999999999999:thing/x", false},
		{"arn:aws:iot:us-*-1:*:thing/berlin-?", thing, true},
		{"arn:aws:iot:us-*-1:*:thing/berlin-?", "arn:aws:iot:us-east-2:1:thing/berlin-1", false},
		{"arn:aws:iot:*:*:tunnel/*", thing, false},
		{"arn:aws:IOT:*", thing, false}, // case-sensitive
		// The documented ArnLike example: a star stays within its component.
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false},
		// Colons in the resource part belong to the last component.
		{"arn:aws:iot:*:*:thing/a:*", "arn:aws:iot:r:1:thing/a:b:c", true},
		{"arn:aws:iot:r:1:thing/*", "arn:aws:iot:r:1:thing/a:b", true},
		{"arn:aws:iot:*:*:thing/${aws:username}", "arn:aws:iot:r:1:thing/alice", true},
		{"arn:aws:iot:*:*:thing/${aws:username}", "arn:aws:iot:r:1:thing/bob", false},
		{"arn:aws:iot:*:*:thing/${aws:userid}", "arn:aws:iot:r:1:thing/", false},
		{"arn:aws:iot:*:*:thing/x", "arn:aws:iot:r:1", false}, // too few components
		{"arn:aws", "arn:aws", true},
	}
	for _, tt := range tests {
		p, err := compileARNPattern(tt.pat, patternSyntax{wildcards: true, variables: true})
		if err != nil {
			t.Fatalf("compileARNPattern(%q) = %v", tt.pat, err)
		}
		if got := p.match(tt.arn, ctx); got != tt.want {
			t.Errorf("ARN pattern %q match(%q) = %v, want %v", tt.pat, tt.arn, got, tt.want)
		}
	}
}

func TestActionFold(t *testing.T) {
	s := &statement{}
	n, _ := decodeTree([]byte(`{"Action": ["iot:*Tunnel", "IOT:List?agsForResource"]}`))
	if err := s.parseActions(n, ""); err != nil {
		t.Fatal(err)
	}
	for action, want := range map[string]bool{
		"iot:OpenTunnel":           true,
		"IOT:OPENTUNNEL":           true,
		"iot:opentunnel":           true,
		"iot:Tunnel":               true,
		"iot:ListTunnels":          false,
		"iot:ListTagsForResource":  true,
		"iot:listtagsforresource":  true,
		"iot:ListTagssForResource": false,
		"s3:OpenTunnel":            false,
	} {
		if got := s.matchAction(action); got != want {
			t.Errorf("matchAction(%q) = %v, want %v", action, got, want)
		}
	}
}
