package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/tunnel"
)

// Headers a forwarding node adds to the client's upgrade request.
const (
	headerGrant     = "X-Adit-Forward-Grant"
	headerSignature = "X-Adit-Forward-Signature"
)

// grantMaxAge bounds the clock difference and transit time of a grant.
const grantMaxAge = 30 * time.Second

// grant is what a forwarding node tells the owner about a claimed peer.
type grant struct {
	TunnelID  string   `json:"t"`
	Mode      string   `json:"m"`
	Services  []string `json:"s,omitempty"`
	ExpiresAt int64    `json:"e,omitempty"` // Unix ms; 0: none
	Client    string   `json:"c"`           // the client's address
	Node      string   `json:"n"`           // the forwarding node
	Issued    int64    `json:"i"`           // Unix ms
	Token     string   `json:"h"`           // hex SHA-256 of the access token
}

// sign returns the header values carrying g.
func sign(secret []byte, g grant) (value, signature string) {
	b, _ := json.Marshal(g)
	value = base64.RawURLEncoding.EncodeToString(b)
	return value, mac(secret, purposeForward, value)
}

// What a MAC authenticates: a signature made for one can never pass as the
// other.
const (
	purposeForward = "adit-forward-v1\n"
	purposeLink    = "adit-link-v1\n"
)

func mac(secret []byte, purpose, value string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(purpose))
	h.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Errors of a forwarded request that is not authentic.
var (
	errNoSecret     = errors.New("this node has no cluster secret to check another node's link or grant")
	errBadSignature = errors.New("forwarded upgrade with a bad signature")
	errStaleGrant   = errors.New("forwarded upgrade with a stale or future grant")
	errGrantMisfit  = errors.New("forwarded grant does not match the request's token or mode")
)

// verify checks r's grant. ok is false when r carries no grant.
func verify(secret []byte, r *http.Request, m tunnel.Mode, token tunnel.TokenHash, now time.Time) (g grant, ok bool, err error) {
	value, sig := r.Header.Get(headerGrant), r.Header.Get(headerSignature)
	if value == "" && sig == "" {
		return g, false, nil
	}
	if len(secret) == 0 {
		return g, true, errNoSecret
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, purposeForward, value))) {
		return g, true, errBadSignature
	}
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return g, true, fmt.Errorf("forwarded grant: %w", err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, true, fmt.Errorf("forwarded grant: %w", err)
	}
	if d := now.Sub(time.UnixMilli(g.Issued)); d > grantMaxAge || d < -grantMaxAge {
		return g, true, errStaleGrant
	}
	if g.Mode != m.String() || g.Token != hex.EncodeToString(token[:]) || g.TunnelID == "" {
		return g, true, errGrantMisfit
	}
	return g, true, nil
}

// relayGrant converts g to the relay's Grant.
func (g grant) relayGrant() relay.Grant {
	rg := relay.Grant{TunnelID: g.TunnelID, Services: g.Services}
	if g.ExpiresAt != 0 {
		rg.ExpiresAt = time.UnixMilli(g.ExpiresAt)
	}
	return rg
}
