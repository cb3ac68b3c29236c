package localproxy

import (
	"crypto/rand"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// Limits on user input, from the reference proxy (docs/PROTOCOL.md §1.4, §4.1).
const (
	maxAccessTokenLen = 4096
	// MaxServiceIDLen is the longest service id a mapping may name.
	MaxServiceIDLen = 128
)

var (
	clientTokenRE = regexp.MustCompile(`^[a-zA-Z0-9-]{32,128}$`)
	serviceIDRE   = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// ValidServiceID reports whether id is a service id a mapping may name:
// ^[a-zA-Z0-9_-]+$, at most MaxServiceIDLen characters.
func ValidServiceID(id string) bool {
	return len(id) <= MaxServiceIDLen && serviceIDRE.MatchString(id)
}

// ValidClientToken reports whether t is a client token the service
// accepts: ^[a-zA-Z0-9-]{32,128}$.
func ValidClientToken(t string) bool { return clientTokenRE.MatchString(t) }

// CheckMappingAddr checks a Service.Addr for mode as Run will resolve it;
// port 0 (an OS-assigned source port) only if allowZero.
func CheckMappingAddr(addr string, mode tunnel.Mode, allowZero bool) error {
	_, _, err := endpointAddr(addr, mode, "", allowZero)
	return err
}

// validate checks c (after withDefaults) and returns an error wrapping
// ErrInvalidConfig, or the parsed endpoint.
func (c *Config) validate() (*url.URL, error) {
	if c.Mode != tunnel.ModeSource && c.Mode != tunnel.ModeDestination {
		return nil, configErrorf("mode must be source or destination")
	}
	u, err := ParseEndpoint(c.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := CheckAccessToken(c.AccessToken); err != nil {
		return nil, err
	}
	if c.ClientToken != "" && !ValidClientToken(c.ClientToken) {
		return nil, configErrorf("client token must match ^[a-zA-Z0-9-]{32,128}$")
	}
	if wire.Version(c.Subprotocol) == 0 || c.Subprotocol == wire.Subprotocol1Alias {
		return nil, configErrorf("unsupported subprotocol %q", c.Subprotocol)
	}
	if c.ClientType < ClientV3 || c.ClientType > ClientV1 {
		return nil, configErrorf("unknown client type %d", int(c.ClientType))
	}
	if err := checkServices(c.Services, c.Mode, true); err != nil {
		return nil, err
	}
	if err := checkServices(c.FallbackServices, c.Mode, false); err != nil {
		return nil, err
	}
	return u, nil
}

// ParseEndpoint parses a Config.Endpoint: a ws:// or wss:// base URL.
// Errors wrap ErrInvalidConfig.
func ParseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, configErrorf("endpoint %q: %v", s, err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return nil, configErrorf("endpoint %q: scheme must be ws or wss", s)
	}
	if u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, configErrorf("endpoint %q: want ws[s]://host[:port]", s)
	}
	if p := u.Port(); p != "" {
		if _, err := parsePort(p, false); err != nil {
			return nil, configErrorf("endpoint %q: %v", s, err)
		}
	}
	return u, nil
}

// CheckAccessToken applies the reference's rules to an access token:
// non-empty, at most 4096 bytes, no control characters. Errors wrap
// ErrInvalidConfig.
func CheckAccessToken(t string) error {
	switch {
	case t == "":
		return configErrorf("access token is required (-t, --config or AWSIOT_TUNNEL_ACCESS_TOKEN)")
	case len(t) > maxAccessTokenLen:
		return configErrorf("access token is longer than %d characters", maxAccessTokenLen)
	case strings.ContainsFunc(t, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return configErrorf("access token contains control characters")
	}
	return nil
}

// checkServices validates a mapping list. strict lists (the user's
// mapping) may hold a single entry without an id.
func checkServices(ss []Service, mode tunnel.Mode, strict bool) error {
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if s.ID == "" && (!strict || len(ss) != 1) {
			return configErrorf("a mapping without a service id must be the only mapping")
		}
		if s.ID != "" && !ValidServiceID(s.ID) {
			return configErrorf("service id %q must match ^[a-zA-Z0-9_-]+$ and have at most %d characters", s.ID, MaxServiceIDLen)
		}
		if seen[s.ID] {
			return configErrorf("duplicate service id %q", s.ID)
		}
		seen[s.ID] = true
		if err := CheckMappingAddr(s.Addr, mode, true); err != nil {
			return configErrorf("service %q: %v", s.ID, err)
		}
	}
	return nil
}

// endpointAddr turns a mapping value into a network and address. Source
// values are listen addresses (port 0 allowed if allowZero), destination
// values dial targets; a bare port gets host bindHost (source) or
// 127.0.0.1 (destination).
func endpointAddr(v string, mode tunnel.Mode, bindHost string, allowZero bool) (network, addr string, err error) {
	if mode == tunnel.ModeDestination && strings.Contains(v, "/") {
		return "unix", v, nil
	}
	host, port := bindHost, v
	if mode == tunnel.ModeDestination {
		host = "127.0.0.1"
	}
	if strings.Contains(v, ":") {
		if host, port, err = net.SplitHostPort(v); err != nil {
			return "", "", err
		}
	}
	n, err := parsePort(port, allowZero && mode == tunnel.ModeSource)
	if err != nil {
		return "", "", err
	}
	return "tcp", net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// parsePort parses a decimal port in 1..65535 (or 0 if allowZero).
func parsePort(s string, allowZero bool) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || (n == 0 && !allowZero) || strings.HasPrefix(s, "+") {
		return 0, &portError{s}
	}
	return n, nil
}

type portError struct{ s string }

func (e *portError) Error() string { return "invalid port " + strconv.Quote(e.s) + " (want 1..65535)" }

// newClientToken returns a random client token of 48 hex characters.
func newClientToken() string {
	const hexdigits = "0123456789abcdef"
	var b [24]byte
	rand.Read(b[:])
	out := make([]byte, 0, 48)
	for _, x := range b {
		out = append(out, hexdigits[x>>4], hexdigits[x&15])
	}
	return string(out)
}
