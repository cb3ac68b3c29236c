package cli

import (
	"fmt"
	"net/url"
	"time"

	"github.com/adit-project/adit/internal/cli/jmespath"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

// serviceName is the AWS CLI command group tunnelctl stands in for.
const serviceName = "iotsecuretunneling"

// defaultTimeout is botocore's DEFAULT_TIMEOUT (seconds).
const defaultTimeout = 60

// globals are the parsed and resolved global options.
type globals struct {
	debug       bool
	endpointURL string
	verifySSL   bool
	output      string // empty: from the profile, else json
	query       *jmespath.Expr
	profile     string
	region      string
	color       string
	signRequest bool
	caBundle    string
	// Timeouts; zero blocks forever ("0 blocks"). Negative values are kept
	// so the request fails the way urllib3 does.
	readTimeout    int
	connectTimeout int
}

// newMainParser returns the top-level parser: the global options from the
// AWS CLI's cli.json in its order, --version, and the command positional.
func newMainParser() *argParser {
	p := &argParser{}
	opt := func(name, dest string, kind actionKind, choices ...string) {
		n := nargsOne
		if kind != actStore {
			n = nargsZero
		}
		p.add(&action{option: "--" + name, dest: dest, kind: kind, nargs: n, choices: choices})
	}
	opt("debug", "debug", actStoreTrue)
	opt("endpoint-url", "endpoint_url", actStore)
	opt("no-verify-ssl", "verify_ssl", actStoreFalse)
	opt("no-paginate", "paginate", actStoreFalse)
	opt("output", "output", actStore, "json", "text", "table")
	opt("query", "query", actStore)
	opt("profile", "profile", actStore)
	opt("region", "region", actStore)
	opt("color", "color", actStore, "on", "off", "auto")
	opt("no-sign-request", "sign_request", actStoreFalse)
	opt("ca-bundle", "ca_bundle", actStore)
	opt("cli-read-timeout", "read_timeout", actStore)
	opt("cli-connect-timeout", "connect_timeout", actStore)
	opt("v2-debug", "v2_debug", actStoreTrue)
	opt("version", "version", actVersion)
	p.add(&action{dest: "command", nargs: nargsOne, required: true, choices: []string{serviceName, "help"}})
	return p
}

// resolveGlobals turns the parsed namespace into globals, applying the AWS
// CLI's top-level-args-parsed handlers in their order: --query,
// --endpoint-url, --no-verify-ssl/--ca-bundle, then the two timeouts.
func resolveGlobals(ns map[string]any) (*globals, error) {
	g := &globals{verifySSL: true, color: "auto", signRequest: true}
	g.debug, _ = ns["debug"].(bool)
	g.endpointURL, _ = ns["endpoint_url"].(string)
	g.output, _ = ns["output"].(string)
	g.profile, _ = ns["profile"].(string)
	g.region, _ = ns["region"].(string)
	g.caBundle, _ = ns["ca_bundle"].(string)
	if c, ok := ns["color"].(string); ok {
		g.color = c
	}
	if v, ok := ns["verify_ssl"].(bool); ok {
		g.verifySSL = v
	}
	if v, ok := ns["sign_request"].(bool); ok {
		g.signRequest = v
	}
	if q, ok := ns["query"].(string); ok {
		expr, err := jmespath.Compile(q)
		if err != nil {
			return nil, fmt.Errorf("Bad value for --query %s: %s", q, err)
		}
		g.query = expr
	}
	if g.endpointURL != "" || ns["endpoint_url"] != nil {
		if u, err := url.Parse(g.endpointURL); err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("Bad value for --endpoint-url \"%s\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/", g.endpointURL)
		}
	}
	var err error
	if g.readTimeout, err = timeoutValue(ns["read_timeout"]); err != nil {
		return nil, err
	}
	if g.connectTimeout, err = timeoutValue(ns["connect_timeout"]); err != nil {
		return nil, err
	}
	return g, nil
}

func timeoutValue(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return defaultTimeout, nil
	}
	n, err := pyInt(s)
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// duration converts a timeout in seconds; zero means no timeout.
func duration(sec int) time.Duration { return time.Duration(sec) * time.Second }

// pyInt is Python's int(s) for a str, with its error message.
func pyInt(s string) (int64, error) {
	bad := fmt.Errorf("invalid literal for int() with base 10: %s", pyjson.QuoteRepr(s))
	t := trimPySpace(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, bad
	}
	var n int64
	prevDigit := false
	for i, r := range t {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int64(r-'0')
			prevDigit = true
		case r == '_' && prevDigit && i+1 < len(t) && t[i+1] >= '0' && t[i+1] <= '9':
			prevDigit = false
		default:
			return 0, bad
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

// trimPySpace strips what Python's str.strip() strips for ASCII input.
func trimPySpace(s string) string {
	isSpace := func(c byte) bool {
		return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)
	}
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
