package sigv4

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSignRoundTrip(t *testing.T) {
	for _, k := range []Key{GenerateKey("admin"), tokenKey} {
		body := []byte(`{}`)
		r, _ := http.NewRequest(http.MethodPost, "http://localhost:8080/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "IoTSecuredTunneling.ListTunnels")
		r.Header.Set("Authorization", "stale")
		Sign(r, body, k, "us-east-1", DefaultService, signTime)
		want := "SignedHeaders=content-type;host;x-amz-date;x-amz-target,"
		if k.SessionToken != "" {
			want = "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
		}
		if a := r.Header.Get("Authorization"); !strings.Contains(a, want) {
			t.Errorf("Authorization %q lacks %q", a, want)
		}
		v, err := New(Config{Keys: StaticKeys{k.AccessKeyID: k}, Region: "us-east-1", Now: func() time.Time { return signTime }})
		if err != nil {
			t.Fatal(err)
		}
		id, err := v.Verify(r, body)
		if err != nil || id.AccessKeyID != k.AccessKeyID || id.Name != k.Name {
			t.Errorf("Verify = %+v, %v", id, err)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	akid := regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secret := regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	a, b := GenerateKey("admin"), GenerateKey("admin")
	for _, k := range []Key{a, b} {
		if !akid.MatchString(k.AccessKeyID) || !secret.MatchString(k.SecretAccessKey) || k.Name != "admin" || k.SessionToken != "" {
			t.Errorf("bad key %q %q %q", k.AccessKeyID, k.SecretAccessKey, k.Name)
		}
	}
	if a.AccessKeyID == b.AccessKeyID || a.SecretAccessKey == b.SecretAccessKey {
		t.Error("two generated keys are equal")
	}
}
