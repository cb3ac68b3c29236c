package sigv4

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// signCandidates are the headers Sign covers when present, as the AWS CLI
// v1 does; host and x-amz-date are always covered.
var signCandidates = []string{"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"}

// Sign signs r (whose body is body) with k for region and service at time t,
// like the AWS CLI v1: it sets X-Amz-Date, X-Amz-Security-Token when k has a
// session token, and Authorization, covering content-type, host, x-amz-date,
// x-amz-target and x-amz-security-token (those present). The host is r.Host,
// or r.URL.Host when r.Host is empty.
func Sign(r *http.Request, body []byte, k Key, region, service string, t time.Time) {
	setSigningHeaders(r, k, t)
	h := lowerHeaders(r.Header)
	signed := slices.DeleteFunc(slices.Clone(signCandidates), func(n string) bool {
		return n != "host" && !h.has(n)
	})
	signHeaders(r, body, k, region, service, signed)
}

// setSigningHeaders replaces Authorization, X-Amz-Date and, for a key with
// a session token, X-Amz-Security-Token.
func setSigningHeaders(r *http.Request, k Key, t time.Time) {
	r.Header.Del("Authorization")
	r.Header.Set("X-Amz-Date", t.UTC().Format(amzDateLayout))
	if k.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", k.SessionToken)
	}
}

// signHeaders sets Authorization for the given sorted lowercase header
// names, dated by the X-Amz-Date header already on r.
func signHeaders(r *http.Request, body []byte, k Key, region, service string, signed []string) {
	h := lowerHeaders(r.Header)
	amzDate := h.value("x-amz-date")
	a := authorization{AccessKeyID: k.AccessKeyID, Region: region, Service: service}
	if len(amzDate) >= 8 {
		a.Date = amzDate[:8]
	}
	payload := hashHex(body)
	if h.has("x-amz-content-sha256") {
		payload = h.value("x-amz-content-sha256")
	}
	sts := stringToSign(amzDate, a.scope(), canonicalRequest(r, h, signed, payload))
	sig := signature(k.SecretAccessKey, a.Date, region, service, sts)
	r.Header.Set("Authorization", Algorithm+" Credential="+k.AccessKeyID+"/"+a.scope()+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}
