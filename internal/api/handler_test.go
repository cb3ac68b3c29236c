package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestHandlerRejectsBadRequests(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxServices = 2 })
	e.open(`{}`)
	huge := `{"description":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, ctype, target, body string
		status                                  int
		code                                    string
	}{
		{"malformed JSON", "", "", "", "", `{"description": "x"`, 400, codeSerialization},
		{"wrong type string", "", "", "", "DescribeTunnel", `{"tunnelId": 5}`, 400, codeSerialization},
		{"wrong type nested int", "", "", "", "", `{"timeoutConfig": {"maxLifetimeTimeoutMinutes": "5"}}`, 400, codeSerialization},
		{"fractional int", "", "", "", "", `{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 1.5}}`, 400, codeSerialization},
		{"huge int", "", "", "", "", `{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 1e400}}`, 400, codeSerialization},
		{"list as string", "", "", "", "", `{"destinationConfig": {"services": "SSH"}}`, 400, codeSerialization},
		{"bool as string", "", "", "", "CloseTunnel", `{"tunnelId": "x", "delete": "yes"}`, 400, codeSerialization},
		{"invalid UTF-8", "", "", "", "", "{\"description\": \"\xff\xfe\"}", 400, codeSerialization},
		{"trailing garbage", "", "", "", "", `{} x`, 400, codeSerialization},
		{"two objects", "", "", "", "", `{}{}`, 400, codeSerialization},
		{"top-level array", "", "", "", "", `[]`, 400, codeSerialization},
		{"top-level null", "", "", "", "", `null`, 400, codeSerialization},
		{"top-level string", "", "", "", "", `"x"`, 400, codeSerialization},
		{"body over 1 MiB", "", "", "", "", huge, 413, codeRequestTooLarge},
		{"missing target", "", "", "", "-", `{}`, 400, codeUnknownOperation},
		{"unknown target", "", "", "", "Nope", `{}`, 400, codeUnknownOperation},
		{"wrong target prefix", "", "", "", "=Other.OpenTunnel", `{}`, 400, codeUnknownOperation},
		{"prefix only", "", "", "", "=IoTSecuredTunneling.", `{}`, 400, codeUnknownOperation},
		{"target case differs", "", "", "", "opentunnel", `{}`, 400, codeUnknownOperation},
		{"text/plain", "", "", "text/plain", "", `{}`, 400, codeSerialization},
		{"missing content type", "", "", "-", "", `{}`, 400, codeSerialization},
		{"json 1.0", "", "", "application/x-amz-json-1.0", "", `{}`, 400, codeSerialization},
		{"GET", "GET", "", "", "", ``, 405, codeUnknownOperation},
		{"PUT", "PUT", "", "", "", `{}`, 405, codeUnknownOperation},
		{"other path", "", "/tunnels", "", "", `{}`, 404, codeUnknownOperation},
		{"model violation", "", "", "", "", `{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 721}}`, 400, codeValidation},
		{"services quota", "", "", "", "", `{"destinationConfig": {"services": ["a","b","c"]}}`, 400, codeLimitExceeded},
		{"tag unknown resource", "", "", "", "TagResource", `{"resourceArn": "arn:aws:iot:us-east-1:123456789012:tunnel/x", "tags": [{"key":"k","value":"v"}]}`, 400, codeResourceNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.count()
			r := e.do(e.request(tt.method, tt.path, tt.ctype, tt.target, tt.body))
			wantError(t, r, tt.status, tt.code)
			if tt.status == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
			}
			if after := e.count(); after != before {
				t.Errorf("tunnel count %d -> %d: a rejected call wrote", before, after)
			}
		})
	}
}

// request builds a raw request. Empty fields take the SDK's values: POST,
// "/", application/x-amz-json-1.1, OpenTunnel. "-" removes a header; a
// target starting with "=" is sent verbatim, others get the prefix.
func (e *env) request(method, path, ctype, target, body string) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest(or(method, "POST"), e.srv.URL+or(path, "/"), strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype = or(ctype, contentTypeJSON11); ctype != "-" {
		req.Header.Set("Content-Type", ctype)
	}
	switch target = or(target, "OpenTunnel"); {
	case target == "-":
	case strings.HasPrefix(target, "="):
		req.Header.Set("X-Amz-Target", target[1:])
	default:
		req.Header.Set("X-Amz-Target", TargetPrefix+target)
	}
	return req
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestHandlerAcceptsJSONContentTypes(t *testing.T) {
	e := newEnv(t, nil)
	for _, ct := range []string{
		"application/x-amz-json-1.1", "application/x-amz-json-1.1; charset=utf-8",
		"application/json", "Application/JSON; charset=UTF-8", "APPLICATION/X-AMZ-JSON-1.1",
	} {
		r := e.do(e.request("", "", ct, "ListTunnels", `{}`))
		if r.status != 200 {
			t.Errorf("Content-Type %q: got %d %s, want 200", ct, r.status, r.code())
		}
	}
}

func TestHandlerEmptyBodyIsEmptyObject(t *testing.T) {
	e := newEnv(t, nil)
	for _, body := range []string{"", " \r\n\t"} {
		r := e.do(e.request("", "", "", "OpenTunnel", body))
		if r.status != 200 || r.str("tunnelId") == "" {
			t.Errorf("OpenTunnel with body %q = %d %s, want 200 with a tunnelId", body, r.status, r.code())
		}
	}
}

func TestHandlerIgnoresUnknownMembers(t *testing.T) {
	e := newEnv(t, nil)
	id := e.open(`{"bogus": 1, "description": "d", "timeoutConfig": {"extra": [1, {}]}}`)
	if got := e.describe(id).str("tunnel.description"); got != "d" {
		t.Errorf("description = %q, want d", got)
	}
}

func TestHandlerResponseHeaders(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for i := range 20 {
		r := e.call("ListTunnels", `{}`)
		if i%2 == 1 {
			r = e.call("DescribeTunnel", `{"tunnelId":"nope"}`)
		}
		id := r.header.Get(headerRequestID)
		if id == "" || seen[id] {
			t.Fatalf("request id %q empty or repeated", id)
		}
		seen[id] = true
		if ct := r.header.Get("Content-Type"); ct != contentTypeJSON11 {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

// TestHandlerHeaderSpelling reads a raw HTTP/1.1 response: the header names
// go out exactly as AWS spells them.
func TestHandlerHeaderSpelling(t *testing.T) {
	e := newEnv(t, nil)
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nX-Amz-Target: %sNope\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
		contentTypeJSON11, TargetPrefix)
	var head strings.Builder
	sc := bufio.NewScanner(conn)
	for sc.Scan() && sc.Text() != "" {
		head.WriteString(sc.Text() + "\n")
	}
	for _, want := range []string{"\nx-amzn-RequestId: ", "\nX-Amzn-ErrorType: UnknownOperationException\n"} {
		if !strings.Contains(head.String(), want) {
			t.Errorf("response head lacks %q:\n%s", want, head.String())
		}
	}
}

// codedError is an auth failure carrying its AWS code and status, as
// sigv4.Error does.
type codedError struct {
	code   string
	status int
	msg    string
}

func (e *codedError) Error() string        { return e.msg }
func (e *codedError) AWSErrorCode() string { return e.code }
func (e *codedError) HTTPStatus() int      { return e.status }

type rejectAll struct{ err error }

func (r rejectAll) Verify(*http.Request, []byte) (string, error) { return "", r.err }

func TestHandlerAuthFailures(t *testing.T) {
	sigErr := &codedError{"InvalidSignatureException", 403, "Signature expired: 20260101T000000Z is now earlier than ..."}
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		msg    string
	}{
		{"coded", sigErr, 403, "InvalidSignatureException", sigErr.msg},
		{"wrapped coded", fmt.Errorf("verify: %w", &codedError{"UnrecognizedClientException", 403, "unknown key"}),
			403, "UnrecognizedClientException", "verify: unknown key"},
		{"missing auth", &codedError{"MissingAuthenticationTokenException", 403, "Missing Authentication Token"},
			403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"coded 5xx passes", &codedError{"ServiceUnavailable", 503, "key store down"}, 503, "ServiceUnavailable", "key store down"},
		{"bad status becomes 403", &codedError{"InvalidSignatureException", 200, "x"}, 403, "InvalidSignatureException", "x"},
		{"plain error", errors.New("secret detail"), 403, codeAccessDenied, "access denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Auth = rejectAll{tt.err} })
			r := e.call("OpenTunnel", `{}`)
			wantError(t, r, tt.status, tt.code)
			if r.message() != tt.msg {
				t.Errorf("message = %q, want %q", r.message(), tt.msg)
			}
			if n, _ := e.store.ListTunnels(context.Background(), listAll); len(n) != 0 {
				t.Errorf("rejected call stored %d tunnels", len(n))
			}
		})
	}
}

// bodyCheck is an Authenticator that checks it gets the exact body.
type bodyCheck struct{ t *testing.T }

func (b bodyCheck) Verify(r *http.Request, body []byte) (string, error) {
	if string(body) != `{"description":"exact"}` || r.Header.Get("X-Amz-Target") == "" {
		b.t.Errorf("Verify got body %q", body)
	}
	return "AKID", nil
}

func TestHandlerAuthSeesBody(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = bodyCheck{t} })
	e.ok("OpenTunnel", `{"description":"exact"}`)
}

func TestHandlerThrottlesPerPrincipal(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 2 })
	as := func(p string) response {
		req := e.request("", "", "", "ListTunnels", `{}`)
		req.Header.Set("X-Test-Principal", p)
		return e.do(req)
	}
	for i := range 2 {
		if r := as("alice"); r.status != 200 {
			t.Fatalf("call %d = %d, want 200", i, r.status)
		}
	}
	wantError(t, as("alice"), 400, codeThrottling)
	if r := as("bob"); r.status != 200 {
		t.Errorf("bob throttled by alice's calls: %d", r.status)
	}
	e.clock.Advance(time.Second)
	if r := as("alice"); r.status != 200 {
		t.Errorf("alice after 1s = %d, want 200", r.status)
	}
}

func TestHandlerServerFaults(t *testing.T) {
	tests := []struct {
		name   string
		fs     faultyStore
		status int
		code   string
	}{
		{"panic", faultyStore{panicMsg: "boom"}, 500, codeInternalFailure},
		{"store error", faultyStore{err: errDiskOnFire}, 500, codeInternalFailure},
		{"store deadline", faultyStore{err: fmt.Errorf("read: %w", context.DeadlineExceeded)}, 503, codeServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { tt.fs.Store = c.Store; c.Store = tt.fs })
			r := e.call("DescribeTunnel", `{"tunnelId":"x"}`)
			wantError(t, r, tt.status, tt.code)
			if strings.Contains(r.message(), "boom") || strings.Contains(r.message(), "fire") {
				t.Errorf("message %q leaks the internal error", r.message())
			}
			e.ok("ListTunnels", `{}`) // still serving
			if tt.status == 500 && !strings.Contains(e.logs.String(), "level=ERROR") {
				t.Errorf("server fault not logged:\n%s", e.logs)
			}
		})
	}
}

func TestNewChecksConfig(t *testing.T) {
	e := newEnv(t, nil)
	for name, cfg := range map[string]Config{
		"no store":         {Auth: allowAll{}},
		"no auth":          {Store: e.store},
		"negative tags":    {Store: e.store, Auth: allowAll{}, MaxTags: -1},
		"negative service": {Store: e.store, Auth: allowAll{}, MaxServices: -1},
		"negative rate":    {Store: e.store, Auth: allowAll{}, RateLimit: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%s) succeeded", name)
		}
	}
	h, err := New(Config{Store: e.store, Auth: allowAll{}})
	if err != nil {
		t.Fatal(err)
	}
	c := h.cfg
	if c.Partition != "aws" || c.Region != "us-east-1" || c.AccountID != "123456789012" ||
		c.MaxOpenTunnels != 10000 || c.MaxServices != 3 || c.MaxTags != 200 || c.Now == nil || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}
