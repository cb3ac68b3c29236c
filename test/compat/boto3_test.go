package compat

import (
	"context"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// TestBoto3AllOperations runs all eight operations through boto3.
func TestBoto3AllOperations(t *testing.T) {
	requireTool(t, "python3 with boto3", "python3", "-c", "import boto3")
	t.Parallel()
	in := servertest.Start(t, server.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "testdata/boto3_flow.py", in.URL)
	cmd.Env = in.Env(t)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3 flow: %v\n%s", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 flow printed %q: %v", out, err)
	}
	want := map[string]any{
		"open_keys":  []any{"destinationAccessToken", "sourceAccessToken", "tunnelArn", "tunnelId"},
		"request_id": true,
		"describe": map[string]any{"status": "OPEN", "createdAt_is_datetime": true, "timeout": 30.0,
			"thing": "dev-b3", "src_state": "DISCONNECTED"},
		"list_first":          true,
		"rotate_keys":         []any{"destinationAccessToken", "sourceAccessToken", "tunnelArn"},
		"tags":                []any{map[string]any{"key": "owner", "value": "me"}},
		"after_delete":        "ResourceNotFoundException",
		"after_delete_status": 400.0,
		"validation":          "ValidationException",
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("boto3 %s = %#v, want %#v", k, got[k], w)
		}
	}
}
