package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/sigv4"
)

// TestTunneldOnPostgreSQL runs two tunneld processes on one PostgreSQL
// database, one given --database-url and one TUNNELD_DATABASE_URL, and
// drives them with the real AWS CLI: a tunnel opened through one node is
// described, closed and listed through the other.
func TestTunneldOnPostgreSQL(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	url := pgtest.Start(t).NewDatabase(t)
	key := sigv4.GenerateKey("admin")
	_, one := startTunneldProc(t, "", key, "--database-url", url)
	two := startProc(t, "tunneld-2", tunneld(t), []string{"TUNNELD_DATABASE_URL=" + url,
		"TUNNELD_ACCESS_KEY_ID=" + key.AccessKeyID, "TUNNELD_SECRET_ACCESS_KEY=" + key.SecretAccessKey},
		"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--mqtt-listen", "off")
	twoURL := "http://" + two.waitListening(t, listenlog.API, waitFor)

	opened := awsCLI(t, one.URL, key, "open-tunnel", "--description", "on postgres",
		"--destination-config", "thingName=dev1,services=SSH", "--timeout-config", "maxLifetimeTimeoutMinutes=30",
		"--tags", "key=env,value=pg")
	id, _ := opened["tunnelId"].(string)
	if id == "" || opened["sourceAccessToken"] == nil {
		t.Fatalf("open-tunnel through node one = %v, want a tunnel id and tokens", opened)
	}
	described := awsCLI(t, twoURL, key, "describe-tunnel", "--tunnel-id", id)
	tn, _ := described["tunnel"].(map[string]any)
	if tn["tunnelId"] != id || tn["status"] != "OPEN" || tn["description"] != "on postgres" {
		t.Errorf("describe-tunnel through node two = %v, want the open tunnel %s", described, id)
	}
	if tags, _ := tn["tags"].([]any); len(tags) != 1 {
		t.Errorf("describe-tunnel through node two: tags %v, want [env=pg]", tn["tags"])
	}
	awsCLI(t, twoURL, key, "close-tunnel", "--tunnel-id", id)
	described = awsCLI(t, one.URL, key, "describe-tunnel", "--tunnel-id", id)
	if tn, _ := described["tunnel"].(map[string]any); tn["status"] != "CLOSED" {
		t.Errorf("describe-tunnel through node one after closing through node two = %v, want CLOSED", described)
	}
	listed := awsCLI(t, one.URL, key, "list-tunnels", "--thing-name", "dev1")
	if list, _ := listed["tunnelSummaries"].([]any); len(list) != 1 {
		t.Errorf("list-tunnels --thing-name dev1 = %v, want the one tunnel", listed)
	}

	// The data plane authenticates through the shared store too: proxies
	// on node one relay bytes, and node two sees them connected.
	svc := checksumServer(t)
	tun, _, _, addrs := pair(t, one, []string{"SSH"}, "SSH="+svc, osPorts()...)
	if err := checksumExchange(addrs["SSH"], 1<<20, 1<<20, 30*time.Second); err != nil {
		t.Fatalf("through a tunnel on PostgreSQL: %v", err)
	}
	described = awsCLI(t, twoURL, key, "describe-tunnel", "--tunnel-id", tun.TunnelID)
	tn, _ = described["tunnel"].(map[string]any)
	for _, side := range []string{"sourceConnectionState", "destinationConnectionState"} {
		if st, _ := tn[side].(map[string]any); st["status"] != "CONNECTED" {
			t.Errorf("describe-tunnel through node two: %s = %v, want CONNECTED", side, tn[side])
		}
	}
}

// awsCLI runs `aws iotsecuretunneling ARGS` against endpoint with key and
// returns its JSON output, failing the test on error.
func awsCLI(t *testing.T, endpoint string, key sigv4.Key, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"iotsecuretunneling", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "AWS_ACCESS_KEY_ID="+key.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+key.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+home+"/none", "AWS_SHARED_CREDENTIALS_FILE="+home+"/none", "AWS_EC2_METADATA_DISABLED=true")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	v := map[string]any{}
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %s printed %q: %v", strings.Join(args, " "), out, err)
		}
	}
	return v
}
