package sigv4

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew allowed when Config.MaxSkew is zero.
const DefaultMaxSkew = 15 * time.Minute

// DefaultService is the SigV4 signing name of IoT Secure Tunneling.
const DefaultService = "IoTSecuredTunneling"

// Config configures a Verifier.
type Config struct {
	// Keys holds the accepted credentials. Required unless AcceptAnyCredentials.
	Keys KeyStore
	// Region, when non-empty, is the only region accepted in the credential scope.
	Region string
	// Services lists the accepted scope service names, compared
	// case-insensitively. Empty means DefaultService.
	Services []string
	// MaxSkew is the largest accepted distance between the request date and
	// now. Zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// AcceptAnyCredentials skips the key lookup, the session-token check and
	// the signature comparison; the header form, the signed-header rules,
	// the scope, the clock skew and any X-Amz-Content-Sha256 are still
	// checked. For development only.
	AcceptAnyCredentials bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Identity is the caller a verified request was signed by.
type Identity struct {
	// AccessKeyID is the access key id from the credential scope.
	AccessKeyID string
	// Name is the Key's name; empty under AcceptAnyCredentials.
	Name string
}

// Verifier checks SigV4 header signatures. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	keys keyCache
}

// New validates cfg, fills its defaults and returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	if cfg.Keys == nil && !cfg.AcceptAnyCredentials {
		return nil, errors.New("sigv4: new verifier: no key store and AcceptAnyCredentials is off")
	}
	if cfg.MaxSkew < 0 {
		return nil, errors.New("sigv4: new verifier: negative MaxSkew")
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if len(cfg.Services) == 0 {
		cfg.Services = []string{DefaultService}
	}
	cfg.Services = slices.Clone(cfg.Services)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

// Verify checks the SigV4 signature of r, whose body has already been read
// into body, and returns who signed it. A rejection is always an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	id, err := v.verify(r, body)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func (v *Verifier) verify(r *http.Request, body []byte) (Identity, *Error) {
	h := lowerHeaders(r.Header)
	raw := h["authorization"]
	if len(raw) == 0 || (len(raw) == 1 && strings.TrimSpace(raw[0]) == "") {
		return Identity{}, errMissing()
	}
	if len(raw) > 1 {
		return Identity{}, errIncomplete("Only one Authorization header is allowed.")
	}
	a, err := parseAuthorization(raw[0])
	if err != nil {
		return Identity{}, err
	}
	amzDate, err := v.checkRequest(&a, h)
	if err != nil {
		return Identity{}, err
	}
	payload, err := payloadHash(h, body)
	if err != nil {
		return Identity{}, err
	}
	if v.cfg.AcceptAnyCredentials {
		return Identity{AccessKeyID: a.AccessKeyID}, nil
	}
	key, err := v.lookup(&a, h)
	if err != nil {
		return Identity{}, err
	}
	sts := stringToSign(amzDate, a.scope(), canonicalRequest(r, h, a.SignedHeaders, payload))
	want := SignString(v.keys.get(key.SecretAccessKey, a.Date, a.Region, a.Service), sts)
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.Signature)) != 1 {
		return Identity{}, errInvalid(msgBadSignature)
	}
	return Identity{AccessKeyID: key.AccessKeyID, Name: key.Name}, nil
}

// requiredSigned are the headers every request must sign: host and the
// date bind the signature to this endpoint and time, and x-amz-target to
// the operation, so a signed DescribeTunnel cannot be replayed as
// CloseTunnel. The AWS CLI v1, boto3 and the Go SDK v2 sign all three.
var requiredSigned = []string{"host", "x-amz-date", "x-amz-target"}

// checkRequest applies the checks that need no secret: signed-header rules,
// date, scope and clock skew. It returns the request date in basic format.
func (v *Verifier) checkRequest(a *authorization, h headerMap) (string, *Error) {
	for _, name := range requiredSigned {
		if !slices.Contains(a.SignedHeaders, name) {
			return "", errIncomplete("Signed headers must include '" + name + "'.")
		}
	}
	if h.has("x-amz-security-token") && !slices.Contains(a.SignedHeaders, "x-amz-security-token") {
		return "", errIncomplete("Signed headers must include 'x-amz-security-token' when it is sent.")
	}
	t, amzDate, err := requestDate(h)
	if err != nil {
		return "", err
	}
	if a.Date != amzDate[:8] {
		return "", errInvalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
			quote(a.Date) + " != " + quote(amzDate[:8]) + ", from " + quote(amzDate) + ".")
	}
	if err := v.checkScope(a); err != nil {
		return "", err
	}
	if err := checkSkew(t, v.cfg.Now(), v.cfg.MaxSkew); err != nil {
		return "", err
	}
	return amzDate, nil
}

// checkScope checks the service and, when configured, the region.
func (v *Verifier) checkScope(a *authorization) *Error {
	ok := slices.ContainsFunc(v.cfg.Services, func(s string) bool { return strings.EqualFold(s, a.Service) })
	if !ok {
		return errInvalid("Credential should be scoped to correct service: " + quote(v.cfg.Services[0]) + ".")
	}
	if v.cfg.Region != "" && a.Region != v.cfg.Region {
		return errInvalid("Credential should be scoped to a valid region, not " + quote(a.Region) +
			"; this endpoint expects " + quote(v.cfg.Region) + ".")
	}
	return nil
}

// lookup finds the key and checks its session token.
func (v *Verifier) lookup(a *authorization, h headerMap) (Key, *Error) {
	key, ok := v.cfg.Keys.Secret(a.AccessKeyID)
	if !ok {
		return Key{}, errUnrecognized()
	}
	if key.SessionToken != "" {
		got := h["x-amz-security-token"]
		if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(key.SessionToken)) != 1 {
			return Key{}, errUnrecognized()
		}
	}
	return key, nil
}

// payloadHash returns the payload hash for the canonical request: the body
// hash, or the X-Amz-Content-Sha256 value when present and equal to it.
func payloadHash(h headerMap, body []byte) (string, *Error) {
	sum := hashHex(body)
	if !h.has("x-amz-content-sha256") {
		return sum, nil
	}
	claimed := h.value("x-amz-content-sha256")
	switch {
	case claimed == "UNSIGNED-PAYLOAD" || strings.HasPrefix(claimed, "STREAMING-"):
		return "", errInvalid("Unsigned and streaming payloads are not accepted; sign the request body.")
	case !strings.EqualFold(claimed, sum):
		return "", errInvalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return claimed, nil
}
