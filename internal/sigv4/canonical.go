package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
const amzDateLayout = "20060102T150405Z"

// canonicalRequest builds the SigV4 canonical request of r for the given
// signed header names (lowercase, sorted) and payload hash.
func canonicalRequest(r *http.Request, h headerMap, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(h.canonicalValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign builds the string to sign from the request date (basic
// format), the credential scope and the canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hashHex([]byte(canonical))
}

// signature derives the signing key from secret and scope and returns the
// hex HMAC of the string to sign.
func signature(secret, date, region, service, sts string) string {
	return SignString(SigningKey(secret, date, region, service), sts)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// headerMap holds a request's header values under lowercase names.
type headerMap map[string][]string

func lowerHeaders(h http.Header) headerMap {
	m := make(headerMap, len(h))
	for k, vs := range h {
		lk := strings.ToLower(k)
		m[lk] = append(m[lk], vs...)
	}
	return m
}

// has reports whether the header is present at all.
func (h headerMap) has(name string) bool {
	return len(h[name]) > 0
}

// value returns the canonical value of a plain header: each value trimmed
// with inner whitespace runs collapsed to one space, values joined by ','.
func (h headerMap) value(name string) string {
	vs := h[name]
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// canonicalValue is value, except for the headers net/http keeps outside
// the header map: host is r.Host as received (then a Host header, then the
// URL's host), and a missing content-length is r.ContentLength.
func (h headerMap) canonicalValue(r *http.Request, name string) string {
	switch {
	case name == "host" && r.Host != "":
		return r.Host
	case name == "host" && !h.has(name):
		return r.URL.Host
	case name == "content-length" && !h.has(name) && r.ContentLength >= 0:
		return strconv.FormatInt(r.ContentLength, 10)
	}
	return h.value(name)
}

// canonicalURI returns the escaped path with empty and dot segments removed,
// URI-encoded once more as SigV4 requires for every service but S3.
func canonicalURI(u *url.URL) string {
	return uriEncode(removeDotSegments(u.EscapedPath()), true)
}

// removeDotSegments drops "", "." and ".." segments (RFC 3986 5.2.4, plus
// the collapsing of repeated slashes AWS applies), keeping a leading and
// trailing slash.
func removeDotSegments(p string) string {
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(p, "/") {
		s += "/"
	}
	return s
}

// canonicalQuery decodes each name=value pair of a raw query, re-encodes it
// strictly and sorts by name, then value. A pair without '=' gets an empty
// value; '+' is a literal plus.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var pairs []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, uriEncode(unescape(k), false)+"="+uriEncode(unescape(v), false))
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, vi, _ := strings.Cut(pairs[i], "=")
		kj, vj, _ := strings.Cut(pairs[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	return strings.Join(pairs, "&")
}

// unescape percent-decodes s, leaving it as is when it is not valid.
func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters and, when keepSlash is set, '/'.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
