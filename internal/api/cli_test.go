package api

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// bodyRecorder accepts every request and records the bodies it saw.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (b *bodyRecorder) Verify(r *http.Request, body []byte) (string, error) {
	b.mu.Lock()
	b.bodies = append(b.bodies, r.Header.Get("X-Amz-Target")+" "+string(body))
	b.mu.Unlock()
	return "cli", nil
}

// awsCLI runs the real AWS CLI v1 against e, when it is installed.
func (e *env) awsCLI(t *testing.T, args ...string) (map[string]any, string, error) {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"iotsecuretunneling", "--endpoint-url", e.srv.URL, "--output", "json"}, args...)...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+home+"/none", "AWS_SHARED_CREDENTIALS_FILE="+home+"/none",
		"AWS_EC2_METADATA_DISABLED=true")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var v map[string]any
	if len(out) > 0 {
		if jerr := json.Unmarshal(out, &v); jerr != nil {
			t.Fatalf("aws %v printed %q: %v", args, out, jerr)
		}
	}
	return v, stderr.String(), err
}

// TestAWSCLI drives every operation with the installed AWS CLI v1, the
// reference third-party client: requests must parse, outputs and errors
// must be understood by botocore.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI many times")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	rec := &bodyRecorder{}
	e := newEnv(t, func(c *Config) { c.Auth = rec })
	run := func(args ...string) map[string]any {
		t.Helper()
		v, stderr, err := e.awsCLI(t, args...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stderr)
		}
		return v
	}
	o := run("open-tunnel", "--description", "cli test", "--tags", "key=env,value=dev",
		"--destination-config", "thingName=robot,services=SSH", "--timeout-config", "maxLifetimeTimeoutMinutes=30")
	id, arn := o["tunnelId"].(string), o["tunnelArn"].(string)
	d := run("describe-tunnel", "--tunnel-id", id)["tunnel"].(map[string]any)
	if d["status"] != "OPEN" || d["createdAt"] != 1700000000.123 {
		t.Errorf("describe-tunnel = %v", d)
	}
	if l := run("list-tunnels", "--max-results", "1", "--thing-name", "robot"); len(l["tunnelSummaries"].([]any)) != 1 {
		t.Errorf("list-tunnels = %v", l)
	}
	if r := run("rotate-tunnel-access-token", "--tunnel-id", id, "--client-mode", "DESTINATION",
		"--destination-config", "thingName=robot,services=SSH"); r["destinationAccessToken"] == nil || r["sourceAccessToken"] != nil {
		t.Errorf("rotate-tunnel-access-token = %v", r)
	}
	run("tag-resource", "--resource-arn", arn, "--tags", "key=team,value=ops")
	run("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
	if tags := run("list-tags-for-resource", "--resource-arn", arn)["tags"].([]any); len(tags) != 1 {
		t.Errorf("list-tags-for-resource = %v", tags)
	}
	run("close-tunnel", "--tunnel-id", id, "--delete")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"describe-tunnel", "--tunnel-id", id}, "(ResourceNotFoundException) when calling the DescribeTunnel operation"},
		{[]string{"describe-tunnel", "--tunnel-id", "bad id!"}, "(ValidationException) when calling the DescribeTunnel operation: 1 validation error detected: Value 'bad id!' at 'tunnelId'"},
		{[]string{"rotate-tunnel-access-token", "--tunnel-id", "x", "--client-mode", "BOGUS"}, "(ValidationException)"},
		{[]string{"open-tunnel", "--timeout-config", "maxLifetimeTimeoutMinutes=721"}, "(ValidationException)"},
	} {
		if _, stderr, err := e.awsCLI(t, c.args...); err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("aws %v: err %v, stderr %q; want an error containing %q", c.args, err, stderr, c.want)
		}
	}
	if testing.Verbose() {
		for _, b := range rec.bodies {
			t.Log(b)
		}
	}
}
