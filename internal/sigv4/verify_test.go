package sigv4

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

var (
	signTime = time.Date(2026, 11, 27, 0, 50, 0, 0, time.UTC)
	testKey  = Key{AccessKeyID: "AKIATESTKEY0000001", SecretAccessKey: "tEsTsEcReT/0123456789+abcdefghijklmnopqr", Name: "test"}
	tokenKey = Key{AccessKeyID: "ASIATESTKEY0000002", SecretAccessKey: "tOkEnSeCrEt/0123456789+abcdefghijklmnopq", SessionToken: "session-token-value-1", Name: "temp"}
	wrongKey = Key{AccessKeyID: testKey.AccessKeyID, SecretAccessKey: "wRoNgSeCrEt/0123456789+abcdefghijklmnopq"}
	otherKey = Key{AccessKeyID: "AKIAUNKNOWN0000003", SecretAccessKey: "uNkNoWnSeCrEt/0123456789+abcdefghijklmno"}
	testBody = []byte(`{"tunnelId":"b2de92a3-b8ff-46c0-b0f2-afa28b00cecd"}`)
)

// verifyCase describes one request: how it is signed, how it is changed
// afterwards, the verifier configuration and the expected outcome.
type verifyCase struct {
	name    string
	key     Key                                 // signing key; zero means testKey
	service string                              // zero means DefaultService
	region  string                              // zero means us-east-1
	signed  []string                            // explicit signed headers; nil means Sign's choice
	before  func(r *http.Request)               // before signing
	after   func(r *http.Request, body *[]byte) // after signing
	cfg     func(c *Config)
	now     time.Time // zero means signTime
	code    string    // empty means success
	msg     string    // required message prefix, if any
}

func (c *verifyCase) run(t *testing.T) (Identity, string, error) {
	t.Helper()
	k := c.key
	if k == (Key{}) {
		k = testKey
	}
	service, region := c.service, c.region
	if service == "" {
		service = DefaultService
	}
	if region == "" {
		region = "us-east-1"
	}
	body := bytes.Clone(testBody)
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8443/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "IoTSecuredTunneling.DescribeTunnel")
	if c.before != nil {
		c.before(r)
	}
	if c.signed == nil {
		Sign(r, body, k, region, service, signTime)
	} else {
		setSigningHeaders(r, k, signTime)
		signHeaders(r, body, k, region, service, c.signed)
	}
	authz := r.Header.Get("Authorization")
	if c.after != nil {
		c.after(r, &body)
	}
	now := c.now
	if now.IsZero() {
		now = signTime
	}
	cfg := Config{Keys: StaticKeys{testKey.AccessKeyID: testKey, tokenKey.AccessKeyID: tokenKey}, Now: func() time.Time { return now }}
	if c.cfg != nil {
		c.cfg(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(r, body)
	return id, authz, err
}

func replaceAuth(old, new string) func(r *http.Request, _ *[]byte) {
	return func(r *http.Request, _ *[]byte) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func setHeader(name, value string) func(r *http.Request, _ *[]byte) {
	return func(r *http.Request, _ *[]byte) { r.Header.Set(name, value) }
}

func acceptAny(c *Config) { c.AcceptAnyCredentials = true; c.Keys = nil }

var verifyCases = []verifyCase{
	{name: "ok"},
	{name: "missing header", after: func(r *http.Request, _ *[]byte) { r.Header.Del("Authorization") }, code: CodeMissingAuthenticationToken, msg: "Missing Authentication Token"},
	{name: "empty header", after: setHeader("Authorization", " "), code: CodeMissingAuthenticationToken},
	{name: "two headers", after: func(r *http.Request, _ *[]byte) { r.Header.Add("Authorization", "x") }, code: CodeIncompleteSignature},
	{name: "garbage header", after: setHeader("Authorization", "garbage"), code: CodeIncompleteSignature},
	{name: "bearer token", after: setHeader("Authorization", "Bearer abc.def"), code: CodeIncompleteSignature},
	{name: "wrong algorithm", after: replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), code: CodeIncompleteSignature},
	{name: "missing SignedHeaders", after: replaceAuth(" SignedHeaders=content-type;host;x-amz-date;x-amz-target,", ""), code: CodeIncompleteSignature},
	{name: "missing Signature", after: func(r *http.Request, _ *[]byte) {
		a := r.Header.Get("Authorization")
		r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
	}, code: CodeIncompleteSignature},
	{name: "short Credential", after: replaceAuth("/us-east-1/", "/"), code: CodeIncompleteSignature},
	{name: "bad scope terminator", after: replaceAuth("aws4_request", "aws5_request"), code: CodeIncompleteSignature},
	{name: "unknown parameter", after: replaceAuth(", Signature=", ", Foo=bar, Signature="), code: CodeIncompleteSignature},
	{name: "unsorted SignedHeaders", after: replaceAuth("content-type;host", "host;content-type"), code: CodeIncompleteSignature},
	{name: "uppercase SignedHeaders", after: replaceAuth("content-type;host", "Content-Type;host"), code: CodeIncompleteSignature},
	{name: "host not signed", signed: []string{"content-type", "x-amz-date", "x-amz-target"}, code: CodeIncompleteSignature},
	{name: "date not signed", signed: []string{"content-type", "host", "x-amz-target"}, code: CodeIncompleteSignature},
	{name: "target not signed", signed: []string{"content-type", "host", "x-amz-date"}, code: CodeIncompleteSignature, msg: "Signed headers must include 'x-amz-target'."},
	{name: "unsigned target replayed as CloseTunnel", signed: []string{"content-type", "host", "x-amz-date"},
		after: setHeader("X-Amz-Target", "IoTSecuredTunneling.CloseTunnel"), code: CodeIncompleteSignature, msg: "Signed headers must include 'x-amz-target'."},
	{name: "only host and date signed", signed: []string{"host", "x-amz-date"}, code: CodeIncompleteSignature, msg: "Signed headers must include 'x-amz-target'."},
	{name: "Date header instead of X-Amz-Date", before: func(r *http.Request) { r.Header.Set("Date", signTime.Format(http.TimeFormat)) },
		signed: []string{"content-type", "date", "host", "x-amz-target"}, after: func(r *http.Request, _ *[]byte) { r.Header.Del("X-Amz-Date") },
		code: CodeIncompleteSignature, msg: "Signed headers must include 'x-amz-date'."},
	{name: "any credentials: target not signed", signed: []string{"content-type", "host", "x-amz-date"}, cfg: acceptAny, code: CodeIncompleteSignature, msg: "Signed headers must include 'x-amz-target'."},
	{name: "token sent unsigned", after: setHeader("X-Amz-Security-Token", "whatever"), code: CodeIncompleteSignature},
	{name: "no date", after: func(r *http.Request, _ *[]byte) { r.Header.Del("X-Amz-Date") }, code: CodeIncompleteSignature},
	{name: "bad date format", after: setHeader("X-Amz-Date", "2026-11-27T00:50:00Z"), code: CodeIncompleteSignature},
	{name: "bad scope date", after: replaceAuth("/20261127/", "/2026112x/"), code: CodeIncompleteSignature},
	{name: "scope date differs", after: replaceAuth("/20261127/", "/20261126/"), code: CodeInvalidSignature, msg: "Date in Credential scope does not match"},
	{name: "expired", now: signTime.Add(15*time.Minute + time.Second), code: CodeInvalidSignature, msg: "Signature expired: 20261127T005000Z is now earlier than"},
	{name: "too far ahead", now: signTime.Add(-15*time.Minute - time.Second), code: CodeInvalidSignature, msg: "Signature expired: 20261127T005000Z is now later than"},
	{name: "exactly max skew behind", now: signTime.Add(15 * time.Minute)},
	{name: "exactly max skew ahead", now: signTime.Add(-15 * time.Minute)},
	{name: "custom skew", now: signTime.Add(2 * time.Minute), cfg: func(c *Config) { c.MaxSkew = time.Minute }, code: CodeInvalidSignature, msg: "Signature expired: "},
	{name: "unknown key", key: otherKey, code: CodeUnrecognizedClient, msg: msgUnrecognized},
	{name: "wrong secret", key: wrongKey, code: CodeInvalidSignature, msg: msgBadSignature},
	{name: "tampered body", after: func(_ *http.Request, b *[]byte) { *b = []byte(`{"tunnelId":"other"}`) }, code: CodeInvalidSignature, msg: msgBadSignature},
	{name: "tampered signed header", after: setHeader("X-Amz-Target", "IoTSecuredTunneling.CloseTunnel"), code: CodeInvalidSignature},
	{name: "tampered host", after: func(r *http.Request, _ *[]byte) { r.Host = "127.0.0.1:8444" }, code: CodeInvalidSignature},
	{name: "tampered signature", after: replaceAuth("Signature=", "Signature=0"), code: CodeInvalidSignature},
	{name: "unsigned extra headers", after: func(r *http.Request, _ *[]byte) {
		r.Header.Set("User-Agent", "aws-cli/1.45.11")
		r.Header.Set("Amz-Sdk-Invocation-Id", "3a1c8a64-7d1e-4c55-9a0e-0d6c2c3e2f10")
		r.Header.Set("Amz-Sdk-Request", "attempt=2")
	}},
	{name: "content sha256 matches", before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hashHex(testBody)) },
		signed: []string{"content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"}},
	{name: "content sha256 mismatch", before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hashHex(nil)) },
		signed: []string{"content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"}, code: CodeInvalidSignature},
	{name: "unsigned payload", before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
		signed: []string{"content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"}, code: CodeInvalidSignature},
	{name: "session token ok", key: tokenKey},
	{name: "session token required", key: Key{AccessKeyID: tokenKey.AccessKeyID, SecretAccessKey: tokenKey.SecretAccessKey}, code: CodeUnrecognizedClient},
	{name: "session token mismatch", key: Key{AccessKeyID: tokenKey.AccessKeyID, SecretAccessKey: tokenKey.SecretAccessKey, SessionToken: "session-token-value-2"}, code: CodeUnrecognizedClient, msg: msgUnrecognized},
	{name: "session token optional", key: Key{AccessKeyID: testKey.AccessKeyID, SecretAccessKey: testKey.SecretAccessKey, SessionToken: "any-token"}},
	{name: "lowercase service", service: "iotsecuredtunneling"},
	{name: "wrong service", service: "iot", code: CodeInvalidSignature, msg: "Credential should be scoped to correct service"},
	{name: "configured service list", service: "execute-api", cfg: func(c *Config) { c.Services = []string{"IoTSecuredTunneling", "execute-api"} }},
	{name: "region matches", cfg: func(c *Config) { c.Region = "us-east-1" }},
	{name: "wrong region", cfg: func(c *Config) { c.Region = "eu-west-1" }, code: CodeInvalidSignature, msg: "Credential should be scoped to a valid region, not 'us-east-1'; this endpoint expects 'eu-west-1'"},
	{name: "any credentials: wrong secret", key: wrongKey, cfg: acceptAny},
	{name: "any credentials: unknown key", key: otherKey, cfg: acceptAny},
	{name: "any credentials: garbage", after: setHeader("Authorization", "garbage"), cfg: acceptAny, code: CodeIncompleteSignature},
	{name: "any credentials: missing", after: func(r *http.Request, _ *[]byte) { r.Header.Del("Authorization") }, cfg: acceptAny, code: CodeMissingAuthenticationToken},
	{name: "any credentials: host not signed", signed: []string{"content-type", "x-amz-date", "x-amz-target"}, cfg: acceptAny, code: CodeIncompleteSignature},
	{name: "any credentials: expired", now: signTime.Add(time.Hour), cfg: acceptAny, code: CodeInvalidSignature, msg: "Signature expired: "},
}

var wantStatus = map[string]int{
	CodeMissingAuthenticationToken: http.StatusForbidden,
	CodeIncompleteSignature:        http.StatusBadRequest,
	CodeUnrecognizedClient:         http.StatusForbidden,
	CodeInvalidSignature:           http.StatusForbidden,
}

func TestVerify(t *testing.T) {
	secrets := []string{testKey.SecretAccessKey, tokenKey.SecretAccessKey, wrongKey.SecretAccessKey, otherKey.SecretAccessKey,
		tokenKey.SessionToken, "session-token-value-2", "any-token"}
	for _, c := range verifyCases {
		t.Run(c.name, func(t *testing.T) {
			id, authz, err := c.run(t)
			if c.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if id.AccessKeyID == "" {
					t.Fatalf("empty identity")
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error = %v, want *Error %s", err, c.code)
			}
			if e.Code != c.code || e.Status != wantStatus[c.code] {
				t.Fatalf("got %d %s (%s), want %d %s", e.Status, e.Code, e.Message, wantStatus[c.code], c.code)
			}
			t.Logf("%d %s: %s", e.Status, e.Code, e.Message)
			if !strings.HasPrefix(e.Message, c.msg) {
				t.Errorf("message %q, want prefix %q", e.Message, c.msg)
			}
			_, sig, _ := strings.Cut(authz, "Signature=")
			for _, s := range append(secrets, sig) {
				if s != "" && (strings.Contains(e.Message, s) || strings.Contains(err.Error(), s)) {
					t.Errorf("error %q leaks %q", err, s)
				}
			}
		})
	}
}

func TestVerifyIdentity(t *testing.T) {
	for _, c := range []struct {
		vc   verifyCase
		want Identity
	}{
		{verifyCase{}, Identity{AccessKeyID: testKey.AccessKeyID, Name: "test"}},
		{verifyCase{key: tokenKey}, Identity{AccessKeyID: tokenKey.AccessKeyID, Name: "temp"}},
		{verifyCase{key: otherKey, cfg: acceptAny}, Identity{AccessKeyID: otherKey.AccessKeyID}},
	} {
		id, _, err := c.vc.run(t)
		if err != nil || id != c.want {
			t.Errorf("got %+v, %v; want %+v", id, err, c.want)
		}
	}
}

func TestSkewMessage(t *testing.T) {
	err := checkSkew(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 0, 50, 0, 0, time.UTC), DefaultMaxSkew)
	want := "Signature expired: 20261127T000000Z is now earlier than 20261127T003500Z (20261127T005000Z - 15 min.)"
	if err == nil || err.Message != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"keys", Config{Keys: StaticKeys{}}, true},
		{"any credentials", Config{AcceptAnyCredentials: true}, true},
		{"no keys", Config{}, false},
		{"negative skew", Config{Keys: StaticKeys{}, MaxSkew: -time.Second}, false},
	} {
		v, err := New(c.cfg)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if err == nil && (v.cfg.MaxSkew != DefaultMaxSkew || v.cfg.Now == nil || len(v.cfg.Services) != 1) {
			t.Errorf("%s: defaults not filled: %+v", c.name, v.cfg)
		}
	}
}
