package compat

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// TestAWSCLIAllCommands drives all eight commands of the real AWS CLI v1
// against a real tunneld with SigV4 checked against generated credentials.
func TestAWSCLIAllCommands(t *testing.T) {
	requireTool(t, "aws CLI v1", "aws", "--version")
	t.Parallel()
	in := servertest.Start(t, server.Config{})
	env := in.Env(t)

	open := mustJSON(t, in, env, "open-tunnel", "--description", "lab ünïcode",
		"--destination-config", "thingName=dev1,services=SSH,HTTP",
		"--timeout-config", "maxLifetimeTimeoutMinutes=60", "--tags", "key=env,value=lab", "key=team,value=iot")
	id, _ := open["tunnelId"].(string)
	arn, _ := open["tunnelArn"].(string)
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(id) || arn != "arn:aws:iot:us-east-1:123456789012:tunnel/"+id {
		t.Fatalf("open-tunnel = %v", open)
	}
	for _, k := range []string{"sourceAccessToken", "destinationAccessToken"} {
		if s, _ := open[k].(string); len(s) < 32 {
			t.Errorf("open-tunnel %s = %q, want a token", k, s)
		}
	}

	d := mustJSON(t, in, env, "describe-tunnel", "--tunnel-id", id)["tunnel"].(map[string]any)
	if d["status"] != "OPEN" || d["description"] != "lab ünïcode" || d["tunnelArn"] != arn {
		t.Errorf("describe-tunnel = %v", d)
	}
	if d["sourceConnectionState"].(map[string]any)["status"] != "DISCONNECTED" {
		t.Errorf("sourceConnectionState = %v", d["sourceConnectionState"])
	}
	if _, ok := d["createdAt"].(float64); !ok {
		t.Errorf("createdAt = %#v, want an epoch-seconds number", d["createdAt"])
	}
	dc := d["destinationConfig"].(map[string]any)
	if dc["thingName"] != "dev1" || len(dc["services"].([]any)) != 2 {
		t.Errorf("destinationConfig = %v", dc)
	}

	// text output and --query.
	r := awsCLI(t, in, env, "describe-tunnel", "--tunnel-id", id, "--query", "tunnel.status", "--output", "text")
	if r.code != 0 || r.stdout != "OPEN\n" {
		t.Errorf("describe-tunnel --query tunnel.status --output text = %q (exit %d)", r.stdout, r.code)
	}
	r = awsCLI(t, in, env, "list-tunnels", "--output", "table")
	if r.code != 0 || !strings.Contains(r.stdout, "ListTunnels") || !strings.Contains(r.stdout, id) {
		t.Errorf("list-tunnels --output table = %q (exit %d, %s)", r.stdout, r.code, r.stderr)
	}
	r = awsCLI(t, in, env, "list-tunnels", "--thing-name", "dev1", "--query", "tunnelSummaries[].tunnelId", "--output", "text")
	if r.code != 0 || strings.TrimSpace(r.stdout) != id {
		t.Errorf("list-tunnels --thing-name dev1 --query = %q (exit %d, %s)", r.stdout, r.code, r.stderr)
	}

	rot := mustJSON(t, in, env, "rotate-tunnel-access-token", "--tunnel-id", id, "--client-mode", "SOURCE")
	if _, ok := rot["sourceAccessToken"]; !ok || rot["destinationAccessToken"] != nil || rot["tunnelArn"] != arn {
		t.Errorf("rotate SOURCE = %v, want tunnelArn and only sourceAccessToken", rot)
	}

	mustJSON(t, in, env, "tag-resource", "--resource-arn", arn, "--tags", "key=env,value=prod", "key=owner,value=ops")
	mustJSON(t, in, env, "untag-resource", "--resource-arn", arn, "--tag-keys", "team")
	tags := mustJSON(t, in, env, "list-tags-for-resource", "--resource-arn", arn)["tags"].([]any)
	var got []string
	for _, tg := range tags {
		m := tg.(map[string]any)
		got = append(got, m["key"].(string)+"="+m["value"].(string))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"env=prod", "owner=ops"}) {
		t.Errorf("tags after tag/untag = %v, want [env=prod owner=ops]", got)
	}

	mustJSON(t, in, env, "close-tunnel", "--tunnel-id", id)
	r = awsCLI(t, in, env, "describe-tunnel", "--tunnel-id", id, "--query", "tunnel.status", "--output", "text")
	if r.stdout != "CLOSED\n" {
		t.Errorf("status after close-tunnel = %q", r.stdout)
	}
	mustJSON(t, in, env, "close-tunnel", "--tunnel-id", id, "--delete")
	r = awsCLI(t, in, env, "describe-tunnel", "--tunnel-id", id)
	want := "An error occurred (ResourceNotFoundException) when calling the DescribeTunnel operation: "
	if r.code != 255 || !strings.Contains(r.stderr, want) {
		t.Errorf("describe-tunnel after delete: exit %d, stderr %q; want 255 and %q", r.code, r.stderr, want)
	}
}

// TestAWSCLIErrors checks the error paths a user meets first.
func TestAWSCLIErrors(t *testing.T) {
	requireTool(t, "aws CLI v1", "aws", "--version")
	t.Parallel()
	in := servertest.Start(t, server.Config{})
	env := in.Env(t)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown tunnel", env, []string{"describe-tunnel", "--tunnel-id", "00000000-0000-4000-8000-000000000000"},
			"An error occurred (ResourceNotFoundException) when calling the DescribeTunnel operation: "},
		{"wrong secret", wrongSecretEnv(t, in), []string{"list-tunnels"},
			"An error occurred (InvalidSignatureException) when calling the ListTunnels operation: "},
		{"unknown key", unknownKeyEnv(t, in), []string{"list-tunnels"},
			"An error occurred (UnrecognizedClientException) when calling the ListTunnels operation: "},
		{"lifetime over 720", env, []string{"open-tunnel", "--timeout-config", "maxLifetimeTimeoutMinutes=721"},
			"An error occurred (ValidationException) when calling the OpenTunnel operation: "},
		{"bad client mode", env, []string{"rotate-tunnel-access-token", "--tunnel-id", "x", "--client-mode", "BOGUS"},
			"An error occurred (ValidationException) when calling the RotateTunnelAccessToken operation: "},
		{"bad tunnel id", env, []string{"close-tunnel", "--tunnel-id", "bad id!"},
			"An error occurred (ValidationException) when calling the CloseTunnel operation: "},
		{"too many services", env, []string{"open-tunnel", "--destination-config", "services=a,b,c,d"},
			"An error occurred (LimitExceededException) when calling the OpenTunnel operation: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := awsCLI(t, in, c.env, c.args...)
			if r.code != 255 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("aws %v: exit %d, stderr %q; want 255 and %q", c.args, r.code, r.stderr, c.want)
			}
		})
	}
	// Nothing was created by the rejected calls.
	if n := len(mustJSON(t, in, env, "list-tunnels")["tunnelSummaries"].([]any)); n != 0 {
		t.Errorf("tunnels after rejected calls = %d, want 0", n)
	}
}
