package sigv4

import (
	"encoding/hex"
	"fmt"
	"testing"
)

// TestSigningKey checks the derivation against the example of AWS's
// SigV4 documentation (secret, 20150830, us-east-1, iam).
func TestSigningKey(t *testing.T) {
	got := hex.EncodeToString(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam"))
	const want = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
	if got != want {
		t.Errorf("SigningKey(AWS example) = %s, want %s", got, want)
	}
}

// TestKeyCache checks that cached keys equal derived ones, that each
// scope part and the secret select their own key, and that the cache
// stays bounded when clients name many regions.
func TestKeyCache(t *testing.T) {
	var c keyCache
	scopes := [][4]string{
		{"s1", "20260101", "us-east-1", "iot"}, {"s2", "20260101", "us-east-1", "iot"},
		{"s1", "20260102", "us-east-1", "iot"}, {"s1", "20260101", "eu-west-1", "iot"},
		{"s1", "20260101", "us-east-1", "other"},
	}
	for round := range 2 {
		for _, s := range scopes {
			got := hex.EncodeToString(c.get(s[0], s[1], s[2], s[3]))
			want := hex.EncodeToString(SigningKey(s[0], s[1], s[2], s[3]))
			if got != want {
				t.Errorf("round %d: keyCache.get(%v) = %s, want %s", round, s, got, want)
			}
		}
	}
	for i := range 3 * keyCacheMax {
		c.get("s", "20260101", fmt.Sprint("region-", i), "iot")
		if len(c.m) > keyCacheMax {
			t.Fatalf("after %d regions the cache holds %d keys, want at most %d", i+1, len(c.m), keyCacheMax)
		}
	}
}
