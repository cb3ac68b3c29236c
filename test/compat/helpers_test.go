package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/servertest"
)

// requireTool fails (in CI) or skips (elsewhere) when a needed program or
// python module is missing, with a clear message.
func requireTool(t *testing.T, name string, check ...string) {
	t.Helper()
	if _, err := exec.LookPath(check[0]); err == nil {
		if err := exec.Command(check[0], check[1:]...).Run(); err == nil {
			return
		}
	}
	msg := name + " is not installed (install python3 with awscli v1 and boto3)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

type result struct {
	stdout, stderr string
	code           int
}

// cliTimeout bounds one AWS CLI run: Python starts slowly on a loaded
// machine, but a run this long means something hangs.
const cliTimeout = 2 * time.Minute

// awsCLI runs `aws iotsecuretunneling <args> --endpoint-url <in.URL>`.
func awsCLI(t *testing.T, in *servertest.Instance, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	full := append([]string{"iotsecuretunneling"}, args...)
	full = append(full, "--endpoint-url", in.URL)
	cmd := exec.CommandContext(ctx, "aws", full...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("aws %s: not done within %v (killed); stderr %q", strings.Join(args, " "), cliTimeout, errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errb.String(), code}
}

// mustJSON runs the CLI with --output json and decodes stdout.
func mustJSON(t *testing.T, in *servertest.Instance, env []string, args ...string) map[string]any {
	t.Helper()
	r := awsCLI(t, in, env, append(args, "--output", "json")...)
	if r.code != 0 {
		t.Fatalf("aws %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	if strings.TrimSpace(r.stdout) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("aws %s: stdout is not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
	return m
}
