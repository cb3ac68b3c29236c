package cli_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// recordingProxy forwards to a tunneld and records requests, keeping the
// Host header so SigV4 signatures still verify.
type recordingProxy struct {
	mu       sync.Mutex
	requests []recorded
	next     http.Handler
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.requests = append(p.requests, recorded{Target: r.Header.Get("X-Amz-Target"), Body: string(body)})
	p.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.next.ServeHTTP(w, r)
}

func (p *recordingProxy) take() []recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.requests
	p.requests = nil
	return r
}

// tunneldFixture starts a real tunneld with three tunnels: @T1@ with
// description, tags, destination and timeout; @T2@ bare; @T3@ closed.
func tunneldFixture(t *testing.T) func(*testing.T) backend {
	in := servertest.Start(t, server.Config{})
	full := map[string]any{
		"description":       "café 隧道 🚀 tunnel",
		"tags":              []map[string]string{{"key": "env", "value": "prod"}, {"key": "team", "value": ""}},
		"destinationConfig": map[string]any{"thingName": "dev1", "services": []string{"SSH", "HTTP"}},
		"timeoutConfig":     map[string]any{"maxLifetimeTimeoutMinutes": 30},
	}
	var t1 servertest.OpenTunnelResult
	in.MustCall(t, "OpenTunnel", full, &t1)
	t2 := in.OpenTunnel(t)
	t3 := in.OpenTunnel(t, "SSH")
	in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": t3.TunnelID}, nil)
	target, _ := url.Parse(in.URL)
	vars := map[string]string{"@T1@": t1.TunnelID, "@T2@": t2.TunnelID, "@T3@": t3.TunnelID, "@ARN1@": t1.TunnelARN}
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     in.Key.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": in.Key.SecretAccessKey,
		"AWS_DEFAULT_REGION":    in.Region,
	}
	return func(t *testing.T) backend {
		proxy := &recordingProxy{next: httputil.NewSingleHostReverseProxy(target)}
		srv := httptest.NewServer(proxy)
		t.Cleanup(srv.Close)
		return backend{url: srv.URL, vars: vars, env: env, take: proxy.take}
	}
}

// TestParityTunneld runs read-only commands against a real tunneld, so
// both CLIs see the same state: outputs must match byte for byte.
func TestParityTunneld(t *testing.T) {
	requireAWS(t)
	if testing.Short() {
		t.Skip("slow: runs the AWS CLI many times")
	}
	newBackend := tunneldFixture(t)
	lines := [][]string{
		{"describe-tunnel", "--tunnel-id", "@T1@"},
		{"describe-tunnel", "--tunnel-id", "@T2@"},
		{"describe-tunnel", "--tunnel-id", "@T3@"},
		{"list-tunnels"},
		{"list-tunnels", "--thing-name", "dev1"},
		{"list-tunnels", "--thing-name", "nobody"},
		{"list-tunnels", "--max-results", "1"},
		{"list-tags-for-resource", "--resource-arn", "@ARN1@"},
		{"describe-tunnel", "--tunnel-id", "@T1@", "--query", "tunnel.{id: tunnelId, tags: tags, services: destinationConfig.services}"},
		{"list-tunnels", "--query", "tunnelSummaries[].[status, description]"},
		{"list-tunnels", "--query", "length(tunnelSummaries)"},
	}
	errorLines := [][]string{
		{"describe-tunnel", "--tunnel-id", "00000000-0000-4000-8000-000000000000"},
		{"describe-tunnel", "--tunnel-id", "bad id!"},
		{"list-tunnels", "--max-results", "101"},
		{"list-tunnels", "--next-token", "bogus-token"},
		{"rotate-tunnel-access-token", "--tunnel-id", "00000000-0000-4000-8000-000000000000", "--client-mode", "ALL"},
		{"rotate-tunnel-access-token", "--tunnel-id", "@T3@", "--client-mode", "BOGUS"},
		{"open-tunnel", "--timeout-config", "maxLifetimeTimeoutMinutes=721", "--tags", "key=bad*key,value=v"},
		{"untag-resource", "--resource-arn", "arn:aws:iot:us-east-1:123456789012:tunnel/nope", "--tag-keys", "a"},
		{"list-tunnels", "--no-sign-request"},
	}
	var cases []parityCase
	for _, l := range lines {
		for _, out := range []string{"json", "text", "table"} {
			cases = append(cases, parityCase{name: strings.Join(l, "_") + "/" + out, args: append(append([]string{}, l...), "--output", out)})
		}
	}
	for _, l := range errorLines {
		cases = append(cases, parityCase{name: strings.Join(l, "_"), args: l})
	}
	runParityWith(t, cases, parityOptions{backend: newBackend})
}

// TestParityTunneldMutations runs commands that change state against a real
// tunneld: each CLI acts on its own twin tunnel (@M@, ARN @MARN@), and
// tunnel ids and tokens are masked before comparing.
func TestParityTunneldMutations(t *testing.T) {
	requireAWS(t)
	if testing.Short() {
		t.Skip("slow: runs the AWS CLI many times")
	}
	in := servertest.Start(t, server.Config{})
	target, _ := url.Parse(in.URL)
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     in.Key.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": in.Key.SecretAccessKey,
		"AWS_DEFAULT_REGION":    in.Region,
	}
	open := func(t *testing.T) map[string]string {
		var r servertest.OpenTunnelResult
		in.MustCall(t, "OpenTunnel", map[string]any{
			"destinationConfig": map[string]any{"thingName": "dev1", "services": []string{"SSH"}},
			"tags":              []map[string]string{{"key": "env", "value": "prod"}},
		}, &r)
		return map[string]string{"@M@": r.TunnelID, "@MARN@": r.TunnelARN}
	}
	newBackend := func(t *testing.T) backend {
		proxy := &recordingProxy{next: httputil.NewSingleHostReverseProxy(target)}
		srv := httptest.NewServer(proxy)
		t.Cleanup(srv.Close)
		return backend{url: srv.URL, vars: open(t), ctlVars: open(t), env: env, take: proxy.take}
	}
	lines := [][]string{
		{"open-tunnel"},
		{"open-tunnel", "--description", "twin ✓", "--tags", "key=a,value=b", "--destination-config", "thingName=d,services=SSH,HTTP",
			"--timeout-config", "maxLifetimeTimeoutMinutes=5"},
		{"rotate-tunnel-access-token", "--tunnel-id", "@M@", "--client-mode", "SOURCE"},
		{"rotate-tunnel-access-token", "--tunnel-id", "@M@", "--client-mode", "ALL", "--destination-config", "thingName=dev2,services=SSH"},
		{"rotate-tunnel-access-token", "--tunnel-id", "@M@", "--client-mode", "SOURCE", "--destination-config", "services=SSH"},
		{"close-tunnel", "--tunnel-id", "@M@"},
		{"close-tunnel", "--tunnel-id", "@M@", "--delete"},
		{"tag-resource", "--resource-arn", "@MARN@", "--tags", "key=k,value=v", "key=名前,value=値"},
		{"untag-resource", "--resource-arn", "@MARN@", "--tag-keys", "env"},
		{"list-tags-for-resource", "--resource-arn", "@MARN@"},
		{"describe-tunnel", "--tunnel-id", "@M@", "--query", "tunnel.[tunnelId, status, destinationConfig]"},
	}
	var cases []parityCase
	for _, l := range lines {
		for _, out := range []string{"json", "text", "table"} {
			cases = append(cases, parityCase{name: strings.Join(l, "_") + "/" + out, args: append(append([]string{}, l...), "--output", out)})
		}
	}
	runParityWith(t, cases, parityOptions{backend: newBackend})
}
