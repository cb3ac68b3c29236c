package sigv4

import (
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

const (
	scopeTerminator = "aws4_request"
	scopeDateLayout = "20060102"
)

// authorization is a parsed Authorization header.
type authorization struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the credential scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

// scope returns the credential scope without the access key id.
func (a *authorization) scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + scopeTerminator
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex". Errors are IncompleteSignatureException
// and never quote the signature.
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != Algorithm {
		return a, errIncomplete("Unsupported Authorization algorithm; only " + Algorithm + " is accepted.")
	}
	params, err := splitParams(rest)
	if err != nil {
		return a, err
	}
	for _, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if params[name] == "" {
			return a, errIncomplete("Authorization header requires '" + name + "' parameter.")
		}
	}
	if err := a.parseCredential(params["Credential"]); err != nil {
		return a, err
	}
	signed, err := parseSignedHeaders(params["SignedHeaders"])
	if err != nil {
		return a, err
	}
	a.SignedHeaders = signed
	a.Signature = params["Signature"]
	return a, nil
}

// splitParams splits the comma-separated key=value list after the algorithm.
func splitParams(s string) (map[string]string, *Error) {
	params := make(map[string]string, 3)
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		switch {
		case !ok:
			return nil, errIncomplete("Authorization header has a parameter without '=' (missing equal-sign).")
		case k != "Credential" && k != "SignedHeaders" && k != "Signature":
			return nil, errIncomplete("Authorization header has an unknown parameter; expected Credential, SignedHeaders and Signature.")
		case params[k] != "":
			return nil, errIncomplete("Authorization header repeats the '" + k + "' parameter.")
		}
		params[k] = v
	}
	return params, nil
}

// parseCredential fills the scope fields from AKID/date/region/service/aws4_request.
func (a *authorization) parseCredential(c string) *Error {
	parts := strings.Split(c, "/")
	if len(parts) != 5 || parts[4] != scopeTerminator {
		return errIncomplete("Credential should have the form <access key>/<yyyymmdd>/<region>/<service>/aws4_request.")
	}
	for _, p := range parts[:4] {
		if p == "" {
			return errIncomplete("Credential has an empty component.")
		}
	}
	if _, err := time.Parse(scopeDateLayout, parts[1]); err != nil || len(parts[1]) != len(scopeDateLayout) {
		return errIncomplete("Credential date " + quote(parts[1]) + " is not in yyyyMMdd format.")
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// parseSignedHeaders splits "a;b;c" and insists on the canonical form:
// lowercase, sorted, no duplicates, no empty names.
func parseSignedHeaders(s string) ([]string, *Error) {
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return nil, errIncomplete("SignedHeaders must list lowercase header names separated by ';'.")
		}
		if i > 0 && names[i-1] >= n {
			return nil, errIncomplete("SignedHeaders must be sorted and free of duplicates.")
		}
	}
	return names, nil
}
