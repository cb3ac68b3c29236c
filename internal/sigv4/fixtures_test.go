package sigv4

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is one botocore-signed request from testdata/gen_botocore.py.
type fixture struct {
	Name            string      `json:"name"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Headers         [][2]string `json:"headers"`
	Body            string      `json:"body"`
	AccessKeyID     string      `json:"access_key_id"`
	SecretAccessKey string      `json:"secret_access_key"`
	SessionToken    string      `json:"session_token"`
	Region          string      `json:"region"`
	Service         string      `json:"service"`
	Date            string      `json:"date"`
	Canonical       string      `json:"canonical_request"`
	StringToSign    string      `json:"string_to_sign"`
	Authorization   string      `json:"authorization"`
}

type fixtureFile struct {
	BotocoreVersion string    `json:"botocore_version"`
	Fixtures        []fixture `json:"fixtures"`
}

func decodeFixtures(t testing.TB, data []byte) []fixture {
	t.Helper()
	var ff fixtureFile
	if err := json.Unmarshal(data, &ff); err != nil {
		t.Fatalf("decode fixtures: %v", err)
	}
	if len(ff.Fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	return ff.Fixtures
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	data, err := os.ReadFile("testdata/botocore_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	return decodeFixtures(t, data)
}

func (f *fixture) key() Key {
	return Key{AccessKeyID: f.AccessKeyID, SecretAccessKey: f.SecretAccessKey, SessionToken: f.SessionToken, Name: "fixture"}
}

func (f *fixture) time(t *testing.T) time.Time {
	t.Helper()
	ts, err := time.Parse(amzDateLayout, f.Date)
	if err != nil {
		t.Fatalf("fixture date: %v", err)
	}
	return ts
}

// request builds the request as a client would hand it over: Host in
// r.Host, Content-Length in r.ContentLength, the rest in r.Header.
func (f *fixture) request(t testing.TB) *http.Request {
	t.Helper()
	r, err := http.NewRequest(f.Method, f.URL, bytes.NewReader([]byte(f.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range f.Headers {
		if http.CanonicalHeaderKey(h[0]) == "Host" {
			r.Host = h[1]
			continue
		}
		r.Header.Add(h[0], h[1])
	}
	r.Header.Set("Authorization", f.Authorization)
	return r
}

func (f *fixture) verifier(t *testing.T, store KeyStore) *Verifier {
	t.Helper()
	now := f.time(t)
	v, err := New(Config{Keys: store, Services: []string{f.Service}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBotocoreFixtures(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.Name, func(t *testing.T) { checkFixture(t, f) })
	}
}

// checkFixture verifies f and compares the intermediate strings with botocore's.
func checkFixture(t *testing.T, f fixture) {
	t.Helper()
	r := f.request(t)
	a, perr := parseAuthorization(f.Authorization)
	if perr != nil {
		t.Fatalf("parse: %v", perr)
	}
	h := lowerHeaders(r.Header)
	payload, perr := payloadHash(h, []byte(f.Body))
	if perr != nil {
		t.Fatalf("payload: %v", perr)
	}
	if got := canonicalRequest(r, h, a.SignedHeaders, payload); got != f.Canonical {
		t.Errorf("canonical request:\n%s\nwant:\n%s", got, f.Canonical)
	}
	id, err := f.verifier(t, StaticKeys{f.AccessKeyID: f.key()}).Verify(r, []byte(f.Body))
	if missing := f.missingSigned(); missing != "" {
		// botocore signs it like this, but the verifier requires more.
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeIncompleteSignature || !strings.Contains(e.Message, "'"+missing+"'") {
			t.Fatalf("Verify = %v, want IncompleteSignatureException naming %q", err, missing)
		}
		return
	}
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if id != (Identity{AccessKeyID: f.AccessKeyID, Name: "fixture"}) {
		t.Errorf("identity = %+v", id)
	}
}

// missingSigned returns the first header of requiredSigned that f's
// signature does not cover, or "".
func (f *fixture) missingSigned() string {
	a, err := parseAuthorization(f.Authorization)
	if err != nil {
		return ""
	}
	for _, name := range requiredSigned {
		if !slices.Contains(a.SignedHeaders, name) {
			return name
		}
	}
	return ""
}

// TestSignMatchesBotocore signs the fixtures whose signed headers are the
// CLI's set with Sign and expects botocore's exact Authorization header.
func TestSignMatchesBotocore(t *testing.T) {
	matched := 0
	for _, f := range loadFixtures(t) {
		r := f.request(t)
		r.Header.Del("Authorization")
		if r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Content-Sha256") != "" {
			continue
		}
		Sign(r, []byte(f.Body), f.key(), f.Region, f.Service, f.time(t))
		a, _ := parseAuthorization(f.Authorization)
		want := "content-type;host;x-amz-date;x-amz-target"
		if f.SessionToken != "" {
			want = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
		}
		if got := strings.Join(a.SignedHeaders, ";"); got != want {
			continue
		}
		matched++
		if got := r.Header.Get("Authorization"); got != f.Authorization {
			t.Errorf("%s: Sign:\n%s\nbotocore:\n%s", f.Name, got, f.Authorization)
		}
	}
	if matched < 3 {
		t.Fatalf("only %d fixtures use the CLI header set", matched)
	}
}

// TestAWSGetVanilla checks the "get-vanilla" vector of the AWS SigV4 test suite.
func TestAWSGetVanilla(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "https://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	v, err := New(Config{
		Keys:     StaticKeys{"AKIDEXAMPLE": {AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}},
		Services: []string{"service"},
		Region:   "us-east-1",
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	// The vector signs neither x-amz-target nor anything else this service
	// requires beyond host and date, so Verify refuses it; the signature
	// computation itself must still match the suite's.
	if _, err := v.Verify(r, nil); err == nil || !strings.Contains(err.Error(), "'x-amz-target'") {
		t.Fatalf("Verify = %v, want a refusal naming x-amz-target", err)
	}
	h := lowerHeaders(r.Header)
	a, _ := parseAuthorization(r.Header.Get("Authorization"))
	sts := stringToSign("20150830T123600Z", a.scope(), canonicalRequest(r, h, a.SignedHeaders, hashHex(nil)))
	if got := signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", a.Date, a.Region, a.Service, sts); got != a.Signature {
		t.Fatalf("signature = %s, want %s", got, a.Signature)
	}
}
