package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	env := map[string]string{"TUNNELAGENT_MQTT_PASSWORD": "pw"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"ok", []string{"--thing-name", "t", "--endpoint", "ws://127.0.0.1:1", "--destination-app", "SSH=22,DB=/run/db.sock"}, ""},
		{"defaults map", []string{"--thing-name", "t", "--endpoint", "ws://127.0.0.1:1"}, ""},
		{"no thing", []string{"--endpoint", "ws://x"}, "required"},
		{"bad map", []string{"--thing-name", "t", "--endpoint", "ws://x", "--destination-app", "SSH=99999"}, "invalid port"},
		{"bad level", []string{"--thing-name", "t", "--endpoint", "ws://x", "-v", "loud"}, "-v"},
		{"missing ca", []string{"--thing-name", "t", "--endpoint", "ws://x", "--ca-bundle", "/nonexistent"}, "ca-bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, getenv, &bytes.Buffer{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o.cfg.MQTT.Password != "pw" {
					t.Fatalf("password from env not applied")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, func(string) string { return "" }, &out, &errb); code != 0 || !strings.Contains(out.String(), "tunnelagent") {
		t.Fatalf("version: code %d out %q", code, out.String())
	}
	if code := run(context.Background(), []string{"--bogus"}, func(string) string { return "" }, &out, &errb); code != 2 {
		t.Fatalf("bad flag: code %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	args := []string{"--thing-name", "t", "--endpoint", "ws://127.0.0.1:1", "--mqtt-url", "mqtt://127.0.0.1:1"}
	if code := run(ctx, args, func(string) string { return "" }, &out, &errb); code != 0 {
		t.Fatalf("cancelled run: code %d: %s", code, errb.String())
	}
}

func TestConfigFileFillsUnsetFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "agent.toml")
	os.WriteFile(file, []byte("thing-name = \"robot-7\"\nendpoint = \"ws://127.0.0.1:9\"\ndestination-app = \"SSH=2222,HTTP=127.0.0.1:8080\"\nmax-tunnels = 3\n"), 0o600)
	env := map[string]string{"TUNNELAGENT_MAX_TUNNELS": "4"}
	o, err := parseOptions([]string{"--config", file, "--thing-name", "robot-8"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("parseOptions: %v", err)
	}
	if o.cfg.ThingName != "robot-8" || o.cfg.Endpoint != "ws://127.0.0.1:9" || o.cfg.MaxTunnels != 4 || len(o.cfg.Services) != 2 {
		t.Errorf("thing %q endpoint %q max %d services %v; want robot-8 (flag), file endpoint, 4 (env), 2 services (file)",
			o.cfg.ThingName, o.cfg.Endpoint, o.cfg.MaxTunnels, o.cfg.Services)
	}
	os.WriteFile(file, []byte("thing-nam = \"x\"\n"), 0o600)
	if _, err := parseOptions([]string{"--config", file}, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), `unknown key "thing-nam"`) {
		t.Errorf("unknown key: err = %v", err)
	}
}
