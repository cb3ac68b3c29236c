package tunnel

import (
	"regexp"
	"strings"
	"testing"
)

func TestNewIDIsLowercaseUUIDv4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !re.MatchString(id) {
			t.Fatalf("NewID() = %q, not a lowercase UUIDv4", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestTokenShapeAndHash(t *testing.T) {
	a, b := NewToken(), NewToken()
	if !strings.HasPrefix(a, TokenPrefix) || len(a) != len(TokenPrefix)+43 {
		t.Fatalf("NewToken() = %q, want prefix %q and 43 base64url chars", a, TokenPrefix)
	}
	if regexp.MustCompile(`[^A-Za-z0-9_.-]`).MatchString(a) {
		t.Errorf("NewToken() = %q has characters unsafe in headers or cookies", a)
	}
	if a == b || HashToken(a).Equal(HashToken(b)) {
		t.Errorf("two tokens or their hashes are equal")
	}
	if !HashToken(a).Equal(HashToken(a)) {
		t.Errorf("HashToken is not deterministic")
	}
}

func TestARNRoundTrip(t *testing.T) {
	arn := ARN("aws", "eu-west-1", "123456789012", "abc")
	if arn != "arn:aws:iot:eu-west-1:123456789012:tunnel/abc" {
		t.Fatalf("ARN = %q", arn)
	}
	for in, want := range map[string]string{arn: "abc", "arn:aws:iot:r:1:thing/x": "", "tunnel/abc": "", "arn:aws:iot:r:1:tunnel/": ""} {
		got, ok := IDFromARN(in)
		if got != want || ok != (want != "") {
			t.Errorf("IDFromARN(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
