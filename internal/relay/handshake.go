package relay

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// handshake is a validated upgrade request.
type handshake struct {
	mode        tunnel.Mode
	token       string
	clientToken string
	subprotocol string // echoed verbatim (D3)
	version     int
	key         string    // Sec-WebSocket-Key
	start       time.Time // when the request was taken up, for the handshake duration
}

// parseHandshake validates everything about r that needs no lookup.
func parseHandshake(r *http.Request, maxBytes int) (*handshake, *rejection) {
	if requestSize(r) > maxBytes {
		return nil, rejTooLarge
	}
	if r.URL.Path != "/tunnel" {
		return nil, rejBadPath
	}
	hs := &handshake{key: r.Header.Get("Sec-Websocket-Key")}
	if !isUpgrade(r, hs.key) {
		return nil, rejNotWebSocket
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	modes := q[queryMode]
	var ok bool
	if err == nil && len(modes) == 1 {
		hs.mode, ok = tunnel.ParseMode(modes[0])
	}
	if !ok {
		return nil, rejBadMode
	}
	if hs.token, ok = accessToken(r); !ok {
		if hs.token == "" {
			return nil, rejNoToken
		}
		return nil, rejManyTokens
	}
	if !validToken(hs.token) {
		return nil, rejBadToken
	}
	cts := r.Header.Values(headerClientToken)
	if len(cts) > 1 || len(cts) == 1 && !validClientToken(cts[0]) {
		return nil, rejBadClientToken
	}
	if len(cts) == 1 {
		hs.clientToken = cts[0]
	}
	if hs.subprotocol = pickSubprotocol(r.Header.Values("Sec-Websocket-Protocol")); hs.subprotocol == "" {
		return nil, rejNoSubprotocol
	}
	hs.version = wire.Version(hs.subprotocol)
	return hs, nil
}

// requestSize estimates the bytes of r's request line and header block as
// sent (net/http moves Host out of Header).
func requestSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

func isUpgrade(r *http.Request, key string) bool {
	k, err := base64.StdEncoding.DecodeString(key)
	return r.Method == http.MethodGet && r.ProtoAtLeast(1, 1) &&
		hasToken(r.Header.Values("Connection"), "upgrade") &&
		hasToken(r.Header.Values("Upgrade"), "websocket") &&
		r.Header.Get("Sec-Websocket-Version") == "13" && err == nil && len(k) == 16
}

// hasToken reports whether a comma-separated header contains tok.
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), tok) {
				return true
			}
		}
	}
	return false
}

// accessToken returns the one access token of r, from the header or the
// cookie. ok is false when there is none ("" returned) or more than one.
func accessToken(r *http.Request) (string, bool) {
	vals := r.Header.Values(headerAccessToken)
	for _, c := range r.Cookies() {
		if c.Name == cookieAccessToken {
			vals = append(vals, c.Value)
		}
	}
	switch len(vals) {
	case 0:
		return "", false
	case 1:
		return vals[0], vals[0] != ""
	}
	return "x", false
}

// validToken applies the reference proxy's limits: 1..4096 bytes, no
// control characters.
func validToken(t string) bool {
	if t == "" || len(t) > maxTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] == 0x7F {
			return false
		}
	}
	return true
}

// validClientToken matches ^[a-zA-Z0-9-]{32,128}$.
func validClientToken(t string) bool {
	if len(t) < 32 || len(t) > 128 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// pickSubprotocol returns the first offered subprotocol the relay
// supports (D3), or "".
func pickSubprotocol(values []string) string {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); wire.Version(p) != 0 {
				return p
			}
		}
	}
	return ""
}
