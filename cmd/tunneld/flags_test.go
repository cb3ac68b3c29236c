package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOptionPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tunneld.toml")
	os.WriteFile(file, []byte("listen = \"127.0.0.1:9001\"\nregion = \"eu-west-1\"\nmax-tags = 7\nclosed-retention = \"90m\"\naccount-id = \"111111111111\"\n"), 0o600)
	env := map[string]string{"TUNNELD_REGION": "ap-south-1", "TUNNELD_ACCOUNT_ID": "222222222222", "TUNNELD_ACCESS_KEY_ID": "AKIDADMIN", "TUNNELD_SECRET_ACCESS_KEY": "s3cr3t"}
	o, err := parseOptions([]string{"--config", file, "--account-id", "333333333333"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseOptions: %v", err)
	}
	c := o.cfg
	checks := []struct{ name, got, want string }{
		{"listen from file", c.Listen, "127.0.0.1:9001"},
		{"region: env over file", c.Region, "ap-south-1"},
		{"account-id: flag over env", c.AccountID, "333333333333"},
		{"data-dir default", c.DataDir, "./data"},
		{"admin key from env", c.AdminAccessKeyID, "AKIDADMIN"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.MaxTags != 7 || c.ClosedRetention != 90*time.Minute {
		t.Errorf("max-tags, closed-retention = %d, %v; want 7, 90m", c.MaxTags, c.ClosedRetention)
	}
}

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknown, []byte("listne = \"x\"\n"), 0o600)
	broken := filepath.Join(dir, "broken.toml")
	os.WriteFile(broken, []byte("listen = \n"), 0o600)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, nil, "bogus"},
		{"bad int flag", []string{"--max-tags", "x"}, nil, "max-tags"},
		{"bad env value", nil, map[string]string{"TUNNELD_IDLE_TIMEOUT": "soon"}, "TUNNELD_IDLE_TIMEOUT"},
		{"unknown file key", []string{"--config", unknown}, nil, `unknown key "listne"`},
		{"broken file", []string{"--config", broken}, nil, "broken.toml"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.toml")}, nil, "nope.toml"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
	}
	for _, c := range cases {
		_, err := parseOptions(c.args, func(k string) string { return c.env[k] }, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want mention of %q", c.name, err, c.want)
		}
	}
}

func TestHelpStatesDefaults(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--help"}, func(string) string { return "" }, &out, &out); code != 0 {
		t.Fatalf("run --help = %d, want 0", code)
	}
	for _, want := range []string{"--listen", "127.0.0.1:8080", "--data-dir", "--tls-self-signed", "--accept-any-credentials", "10000", "3h0m0s",
		"--mqtt-devices", "--mqtt-client-ca", "--mqtt-allow-anonymous", "--mqtt-max-connections", "--database-url"} {
		if !strings.Contains(out.String(), strings.TrimPrefix(want, "-")) {
			t.Errorf("--help output lacks %q", want)
		}
	}
}

func TestHardeningFlags(t *testing.T) {
	env := map[string]string{"TUNNELD_MAX_UNAUTHENTICATED_CONNS": "64"}
	o, err := parseOptions([]string{"--body-timeout", "5s"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseOptions: %v", err)
	}
	if o.cfg.BodyTimeout != 5*time.Second || o.cfg.MaxUnauthConns != 64 {
		t.Errorf("body-timeout, max-unauthenticated-conns = %v, %d; want 5s, 64", o.cfg.BodyTimeout, o.cfg.MaxUnauthConns)
	}
	var out bytes.Buffer
	if code := run([]string{"--max-unauthenticated-conns", "-2", "--data-dir", t.TempDir()}, func(string) string { return "" }, &out, &out); code == 0 ||
		!strings.Contains(out.String(), "max-unauthenticated-conns") {
		t.Errorf("--max-unauthenticated-conns -2: exit %d, output %q; want an error naming the flag", code, out.String())
	}
}
