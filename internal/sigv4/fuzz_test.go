package sigv4

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary Authorization, date, token and content-hash
// headers to Verify: it must never panic and must reject with an *Error.
func FuzzVerify(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		r := fx.request(f)
		f.Add(fx.Authorization, r.Header.Get("X-Amz-Date"), r.Header.Get("Date"), r.Header.Get("X-Amz-Security-Token"), r.Header.Get("X-Amz-Content-Sha256"), fx.Body)
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/20261127/r/IoTSecuredTunneling/aws4_request, SignedHeaders=date;host, Signature=00", "", "Fri, 27 Nov 2026 01:19:19 GMT", "", "UNSIGNED-PAYLOAD", "")
	now := time.Date(2026, 11, 27, 1, 19, 19, 0, time.UTC)
	key := Key{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	v, err := New(Config{Keys: StaticKeys{key.AccessKeyID: key}, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, authz, amzDate, date, token, sha, body string) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8443/", http.NoBody)
		for name, value := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate, "Date": date, "X-Amz-Security-Token": token, "X-Amz-Content-Sha256": sha} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		_, err := v.Verify(r, []byte(body))
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v is not an *Error", err)
		}
	})
}
