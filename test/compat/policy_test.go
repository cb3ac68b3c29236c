package compat

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

const (
	tunnelARNPrefix = "arn:aws:iot:us-east-1:123456789012:tunnel/"
	userARNPrefix   = "arn:aws:iam::123456789012:user/"
)

// policyServer starts tunneld with the users of testdata/policies.json,
// their keys in testdata/policy_credentials, and an audit log.
func policyServer(t *testing.T) (in *servertest.Instance, policyFile, auditLog string) {
	dir := t.TempDir()
	policyFile = filepath.Join(dir, "policies.json")
	creds := filepath.Join(dir, "credentials")
	auditLog = filepath.Join(dir, "audit.log")
	copyFile(t, "testdata/policies.json", policyFile)
	copyFile(t, "testdata/policy_credentials", creds)
	in = servertest.Start(t, server.Config{CredentialsFile: creds, PolicyFile: policyFile, AuditLog: auditLog})
	return in, policyFile, auditLog
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// profileEnv is the instance's CLI environment with one profile selected.
func profileEnv(t *testing.T, in *servertest.Instance, profile string) []string {
	return append(in.Env(t), "AWS_PROFILE="+profile)
}

// wantDenied runs a CLI command that must fail with AccessDeniedException
// naming the user, action and resource as AWS words it.
func wantDenied(t *testing.T, in *servertest.Instance, env []string, user, action, resourcePrefix string, args ...string) {
	t.Helper()
	r := awsCLI(t, in, env, args...)
	want := "An error occurred (AccessDeniedException) when calling the "
	msg := "User: " + userARNPrefix + user + " is not authorized to perform: " + action + " on resource: " + resourcePrefix
	if r.code == 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, msg) {
		t.Errorf("aws %s as %s: exit %d, stderr %q; want AccessDeniedException %q", strings.Join(args, " "), user, r.code, r.stderr, msg)
	}
}

func listedIDs(t *testing.T, in *servertest.Instance, env []string) []string {
	t.Helper()
	var ids []string
	for _, s := range mustJSON(t, in, env, "list-tunnels")["tunnelSummaries"].([]any) {
		ids = append(ids, s.(map[string]any)["tunnelId"].(string))
	}
	return ids
}

// TestPoliciesThroughAWSCLI: two support users scoped by site tags share
// one tunneld with a platform user; each sees and touches only what its
// policy allows, as the real AWS CLI shows.
func TestPoliciesThroughAWSCLI(t *testing.T) {
	requireTool(t, "aws CLI v1", "aws", "--version")
	t.Parallel()
	in, _, auditLog := policyServer(t)
	berlin, paris := profileEnv(t, in, "support-berlin"), profileEnv(t, in, "support-paris")
	platform := profileEnv(t, in, "platform")

	b := mustJSON(t, in, berlin, "open-tunnel", "--destination-config", "thingName=berlin-7,services=SSH",
		"--tags", "key=site,value=berlin")
	bid := b["tunnelId"].(string)
	wantDenied(t, in, berlin, "support-berlin", "iot:OpenTunnel", tunnelARNPrefix,
		"open-tunnel", "--destination-config", "thingName=berlin-7,services=HTTP", "--tags", "key=site,value=berlin")
	wantDenied(t, in, berlin, "support-berlin", "iot:OpenTunnel", "arn:aws:iot:us-east-1:123456789012:thing/paris-1",
		"open-tunnel", "--destination-config", "thingName=paris-1,services=SSH", "--tags", "key=site,value=berlin")
	wantDenied(t, in, berlin, "support-berlin", "iot:OpenTunnel", tunnelARNPrefix,
		"open-tunnel", "--destination-config", "thingName=berlin-7,services=SSH")

	p := mustJSON(t, in, paris, "open-tunnel", "--destination-config", "thingName=paris-1,services=HTTP",
		"--tags", "key=site,value=paris")
	pid := p["tunnelId"].(string)

	wantDenied(t, in, berlin, "support-berlin", "iot:DescribeTunnel", tunnelARNPrefix+pid, "describe-tunnel", "--tunnel-id", pid)
	wantDenied(t, in, paris, "support-paris", "iot:DescribeTunnel", tunnelARNPrefix+bid, "describe-tunnel", "--tunnel-id", bid)
	if d := mustJSON(t, in, berlin, "describe-tunnel", "--tunnel-id", bid)["tunnel"].(map[string]any); d["tunnelId"] != bid {
		t.Errorf("berlin describes its tunnel: %v", d)
	}
	if got := listedIDs(t, in, berlin); !slices.Equal(got, []string{bid}) {
		t.Errorf("berlin lists %v, want only %s", got, bid)
	}
	if got := listedIDs(t, in, paris); !slices.Equal(got, []string{pid}) {
		t.Errorf("paris lists %v, want only %s", got, pid)
	}
	if got := listedIDs(t, in, platform); len(got) != 2 {
		t.Errorf("platform lists %v, want both tunnels", got)
	}

	rot := mustJSON(t, in, berlin, "rotate-tunnel-access-token", "--tunnel-id", bid, "--client-mode", "SOURCE")
	if s, _ := rot["sourceAccessToken"].(string); s == "" {
		t.Errorf("berlin rotates its tunnel: %v", rot)
	}
	wantDenied(t, in, berlin, "support-berlin", "iot:TagResource", tunnelARNPrefix+bid,
		"tag-resource", "--resource-arn", tunnelARNPrefix+bid, "--tags", "key=site,value=paris")
	r := awsCLI(t, in, berlin, "close-tunnel", "--tunnel-id", bid, "--delete")
	if r.code == 0 || !strings.Contains(r.stderr, "with an explicit deny in an identity-based policy") {
		t.Errorf("close-tunnel --delete as berlin: exit %d, %q; want an explicit deny", r.code, r.stderr)
	}
	mustJSON(t, in, berlin, "close-tunnel", "--tunnel-id", bid)

	wantDenied(t, in, profileEnv(t, in, "unlisted"), "unlisted", "iot:ListTunnels", tunnelARNPrefix+"*", "list-tunnels")
	wantDenied(t, in, profileEnv(t, in, "office-only"), "office-only", "iot:DescribeTunnel", tunnelARNPrefix+pid,
		"describe-tunnel", "--tunnel-id", pid)

	checkPolicyAudit(t, auditLog, []string{b["sourceAccessToken"].(string), b["destinationAccessToken"].(string),
		p["sourceAccessToken"].(string), rot["sourceAccessToken"].(string)})
}

// checkPolicyAudit checks that the denied OpenTunnel calls of the test
// are in the audit log with their caller, and that no token is.
func checkPolicyAudit(t *testing.T, path string, tokens []string) {
	t.Helper()
	var raw []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, _ = os.ReadFile(path)
		if strings.Count(string(raw), "\n") >= 17 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, tok := range tokens {
		if strings.Contains(string(raw), tok) {
			t.Fatalf("the audit log holds a token")
		}
	}
	var denied, allowed int
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var ev struct {
			EventName    string `json:"eventName"`
			ErrorCode    string `json:"errorCode"`
			UserIdentity struct {
				UserName, ARN, AccessKeyID string
			} `json:"userIdentity"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if ev.EventName != "OpenTunnel" || ev.UserIdentity.UserName != "support-berlin" {
			continue
		}
		switch ev.ErrorCode {
		case "AccessDeniedException":
			denied++
		case "":
			allowed++
		}
		if ev.UserIdentity.ARN != userARNPrefix+"support-berlin" || ev.UserIdentity.AccessKeyID != "AKIABERLIN000000001" {
			t.Errorf("audit userIdentity = %+v", ev.UserIdentity)
		}
	}
	if denied != 3 || allowed != 1 {
		t.Errorf("audit log: berlin's OpenTunnel calls %d denied, %d allowed; want 3 and 1", denied, allowed)
	}
}

// TestPolicyReloadAndBoto3: boto3 sees AccessDeniedException with status
// 403; a changed policy file applies without a restart, and a broken one
// leaves the previous policies in force.
func TestPolicyReloadAndBoto3(t *testing.T) {
	requireTool(t, "python3 with boto3", "python3", "-c", "import boto3")
	t.Parallel()
	in, policyFile, _ := policyServer(t)
	var b servertest.OpenTunnelResult
	in.Key.AccessKeyID, in.Key.SecretAccessKey = "AKIABERLIN000000001", "berlin-secret-00000000000000000000000"
	in.MustCall(t, "OpenTunnel", map[string]any{"destinationConfig": map[string]any{"thingName": "berlin-1", "services": []string{"SSH"}},
		"tags": []map[string]string{{"key": "site", "value": "berlin"}}}, &b)
	paris := profileEnv(t, in, "support-paris")
	if got := boto3Describe(t, in, paris, b.TunnelID); got != "AccessDeniedException 403" {
		t.Fatalf("boto3 describe as paris = %q, want AccessDeniedException 403", got)
	}
	raw, _ := os.ReadFile(policyFile)
	grant := strings.Replace(string(raw), `"Condition": {"StringEquals": {"aws:ResourceTag/site": "paris"}}`,
		`"Condition": {"StringEquals": {"aws:ResourceTag/site": ["paris", "berlin"]}}`, 1)
	if grant == string(raw) {
		t.Fatal("fixture changed: the paris grant was not found")
	}
	writeAtomically(t, policyFile, grant)
	waitFor(t, 10*time.Second, func() bool { return boto3Describe(t, in, paris, b.TunnelID) == "OPEN" })
	writeAtomically(t, policyFile, `{"users": [{"name": "x", "policies": [{"Statement": {"Effect": "Maybe"}}]}]}`)
	if err := in.Server.Reload(); err == nil || !strings.Contains(err.Error(), "Effect") {
		t.Errorf("Reload of a broken file = %v, want an error naming Effect", err)
	}
	time.Sleep(1500 * time.Millisecond) // the watcher sees the broken file too and must keep the old policies
	if got := boto3Describe(t, in, paris, b.TunnelID); got != "OPEN" {
		t.Errorf("after a broken policy file, boto3 describe as paris = %q, want OPEN (previous policies)", got)
	}
}

func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// boto3Describe describes a tunnel with boto3 and returns its status, or
// the error code and HTTP status.
func boto3Describe(t *testing.T, in *servertest.Instance, env []string, id string) string {
	t.Helper()
	script := `
import sys, boto3
from botocore.exceptions import ClientError
c = boto3.client("iotsecuretunneling", endpoint_url=sys.argv[1])
try:
    print(c.describe_tunnel(tunnelId=sys.argv[2])["tunnel"]["status"])
except ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script, in.URL, id)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3: %v", err)
	}
	return strings.TrimSpace(string(out))
}
