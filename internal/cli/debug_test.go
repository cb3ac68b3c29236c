package cli_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/cli"
)

// TestDebugRedactsSecrets checks that --debug logs requests and responses
// but never a client access token, the secret key, the session token or
// the request signature.
func TestDebugRedactsSecrets(t *testing.T) {
	srv := httptest.NewServer(&cannedServer{})
	defer srv.Close()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_SESSION_TOKEN", "session-token-secret")
	t.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	secrets := []string{testSecret, "session-token-secret", "AQGAAXiR-src-token", "AQGAAXiR-dst-token",
		"AQGA-rotated-src", "AQGA-rotated-dst"}
	tests := []struct {
		name string
		args []string
	}{
		{"open-tunnel", []string{"open-tunnel"}},
		{"rotate", []string{"rotate-tunnel-access-token", "--tunnel-id", "t-1", "--client-mode", "ALL"}},
		{"error", []string{"describe-tunnel", "--tunnel-id", "t-missing"}},
	}
	sig := regexp.MustCompile(`Signature=([0-9a-f]{64})`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(tt.args, "--debug", "--endpoint-url", srv.URL)
			cli.Main(context.Background(), args, &out, &errb)
			log := errb.String()
			if !strings.Contains(log, "Response body") || !strings.Contains(log, "<redacted>") {
				t.Fatalf("debug log lacks response logging or redaction:\n%s", log)
			}
			for _, s := range secrets {
				if strings.Contains(log, s) {
					t.Errorf("debug log contains secret %q:\n%s", s, log)
				}
			}
			if m := sig.FindString(log); m != "" {
				t.Errorf("debug log contains a signature %q", m)
			}
		})
	}
}
