package proxyconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseArgsAccepts(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "lp.ini")
	os.WriteFile(cfgFile, []byte("# comment\naccess-token = file-token\nregion = us-west-2\nverbose = 5\n"), 0o644)
	token := strings.Repeat("a", 40)
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, inv *Invocation)
	}{
		{"region_v1_source", []string{"-t", "tok", "-r", "us-east-1", "-s", "5555"}, nil, func(t *testing.T, inv *Invocation) {
			c := inv.Config
			want(t, "mode", c.Mode, tunnel.ModeSource)
			want(t, "endpoint", c.Endpoint, "wss://data.tunneling.iot.us-east-1.amazonaws.com")
			want(t, "services", c.Services, []localproxy.Service{{Addr: "5555"}})
			want(t, "bind", c.BindAddress, "localhost")
			want(t, "verbosity", inv.Verbosity, 4)
			want(t, "warnings", len(inv.Warnings), 1) // token on the command line
		}},
		{"endpoint_destination", []string{"--access-token=tok", "--proxy-endpoint", "Host.Example:8443", "-d", "SSH1=22, SSH2=10.0.0.1:80"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "mode", inv.Config.Mode, tunnel.ModeDestination)
			want(t, "endpoint", inv.Config.Endpoint, "wss://host.example:8443")
			want(t, "services", inv.Config.Services, []localproxy.Service{{ID: "SSH1", Addr: "22"}, {ID: "SSH2", Addr: "10.0.0.1:80"}})
			want(t, "bind", inv.Config.BindAddress, "")
		}},
		{"ws_url_from_env", []string{"-m", "src"}, map[string]string{EnvAccessToken: "envtok", EnvEndpoint: "ws://127.0.0.1:8080"}, func(t *testing.T, inv *Invocation) {
			want(t, "endpoint", inv.Config.Endpoint, "ws://127.0.0.1:8080")
			want(t, "token", inv.Config.AccessToken, "envtok")
			want(t, "services", len(inv.Config.Services), 0)
		}},
		{"china_region", []string{"-t", "x", "-r", "cn-north-1", "-m", "dst"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "endpoint", inv.Config.Endpoint, "wss://data.tunneling.iot.cn-north-1.amazonaws.com.cn")
			want(t, "mode", inv.Config.Mode, tunnel.ModeDestination)
		}},
		{"attached_short_values", []string{"-tX", "-rus-east-1", "-s5555", "-v6"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "token", inv.Config.AccessToken, "X")
			want(t, "services", inv.Config.Services, []localproxy.Service{{Addr: "5555"}})
			want(t, "verbosity", inv.Verbosity, 6)
		}},
		{"cli_over_config_over_env", []string{"--config", cfgFile, "-t", "cli-token", "-s", "1"}, map[string]string{EnvAccessToken: "env", EnvRegion: "eu-west-1", EnvClientToken: token}, func(t *testing.T, inv *Invocation) {
			want(t, "token", inv.Config.AccessToken, "cli-token")
			want(t, "endpoint", inv.Config.Endpoint, "wss://data.tunneling.iot.us-west-2.amazonaws.com")
			want(t, "verbosity", inv.Verbosity, 5)
			want(t, "client token", inv.Config.ClientToken, token)
		}},
		{"config_over_env", []string{"--config", cfgFile, "-s", "1"}, map[string]string{EnvAccessToken: "env"}, func(t *testing.T, inv *Invocation) {
			want(t, "token", inv.Config.AccessToken, "file-token")
		}},
		{"unix_socket_and_bind", []string{"-t", "x", "-e", "h", "-d", "/run/app.sock", "-b", "10.0.0.5"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "services", inv.Config.Services, []localproxy.Service{{Addr: "/run/app.sock"}})
			want(t, "bind", inv.Config.BindAddress, "10.0.0.5")
			want(t, "endpoint", inv.Config.Endpoint, "wss://h")
		}},
		{"client_types", []string{"-t", "x", "-e", "h", "-s", "1", "-y", "v2"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "client type", inv.Config.ClientType, localproxy.ClientV2)
		}},
		{"unknown_client_type_warns", []string{"-t", "x", "-e", "h", "-s", "1", "-y", "V9"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "client type", inv.Config.ClientType, localproxy.ClientV3)
			want(t, "warnings", len(inv.Warnings), 2)
		}},
		{"help", []string{"-h"}, nil, func(t *testing.T, inv *Invocation) { want(t, "help", inv.Help, true) }},
		{"version", []string{"-V"}, nil, func(t *testing.T, inv *Invocation) { want(t, "version", inv.Version, true) }},
		{"insecure_and_verbosity_0", []string{"-t", "x", "-e", "h", "-s", "1", "-k", "-v", "0"}, nil, func(t *testing.T, inv *Invocation) {
			want(t, "insecure", inv.Config.TLS.InsecureSkipVerify, true)
			want(t, "verbosity", inv.Verbosity, 0)
		}},
		{"web_proxy", []string{"-t", "x", "-e", "h", "-s", "1"}, map[string]string{"HTTPS_PROXY": "http://u:p@proxy"}, func(t *testing.T, inv *Invocation) {
			want(t, "proxy", inv.Config.WebProxy.String(), "http://u:p@proxy")
		}},
		{"no_proxy", []string{"-t", "x", "-e", "a.example.com", "-s", "1"}, map[string]string{"https_proxy": "http://proxy", "NO_PROXY": ".example.com"}, func(t *testing.T, inv *Invocation) {
			want(t, "proxy", inv.Config.WebProxy == nil, true)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := ParseArgs(c.args, env(c.env))
			if err != nil {
				t.Fatalf("ParseArgs(%q) = %v", c.args, err)
			}
			if c.check != nil {
				c.check(t, inv)
			}
		})
	}
}

func want[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestParseArgsRejects(t *testing.T) {
	dir := t.TempDir()
	badCfg := filepath.Join(dir, "bad.ini")
	os.WriteFile(badCfg, []byte("frobnicate = 1\n"), 0o644)
	badSettings := filepath.Join(dir, "bad.json")
	os.WriteFile(badSettings, []byte(`{"tunneling":{"proxy":{"websocket":{"ping_period_ms":"soon"}}}}`), 0o644)
	base := []string{"-t", "tok", "-e", "h"}
	cases := map[string]struct {
		args []string
		msg  string
	}{
		"port_0":              {[]string{"-s", "0"}, "invalid port"},
		"port_0_named":        {[]string{"-s", "SSH=0"}, "invalid port"},
		"port_70000":          {[]string{"-s", "SSH=70000"}, "invalid port"},
		"dest_port_0":         {[]string{"-d", "SSH=host:0"}, "invalid port"},
		"port_not_a_number":   {[]string{"-s", "ssh"}, "invalid port"},
		"duplicate_ids":       {[]string{"-s", "A=1,A=2"}, "duplicate service id"},
		"bad_service_id":      {[]string{"-s", "bad id!=1"}, "invalid service id"},
		"long_service_id":     {[]string{"-s", strings.Repeat("a", 129) + "=1"}, "invalid service id"},
		"empty_mapping":       {[]string{"-s", " , "}, "empty port mapping"},
		"mixed_formats":       {[]string{"-s", "A=1,2"}, "wrong format"},
		"both_s_and_d":        {[]string{"-s", "1", "-d", "2"}, "one and only one of --source-listen-port"},
		"none_of_s_d_m":       {nil, "must specify one of"},
		"bad_mode":            {[]string{"-m", "sideways"}, "mode \"sideways\" is wrong"},
		"s_with_mode_dst":     {[]string{"-s", "1", "-m", "dst"}, "disagree"},
		"d_with_mode_src":     {[]string{"-d", "1", "-m", "source"}, "disagree"},
		"verbose_256":         {[]string{"-m", "src", "-v", "256"}, "0..255"},
		"verbose_negative":    {[]string{"-m", "src", "-v", "-1"}, "0..255"},
		"unknown_flag":        {[]string{"-m", "src", "--frobnicate"}, "not defined"},
		"positional":          {[]string{"-m", "src", "extra"}, "unexpected argument"},
		"given_twice":         {[]string{"-m", "src", "-m", "dst"}, "more than once"},
		"client_token_short":  {[]string{"-m", "src", "-i", strings.Repeat("a", 31)}, "client token"},
		"client_token_long":   {[]string{"-m", "src", "-i", strings.Repeat("a", 129)}, "client token"},
		"client_token_chars":  {[]string{"-m", "src", "-i", strings.Repeat("a", 31) + "_"}, "client token"},
		"config_unknown_key":  {[]string{"-m", "src", "--config", badCfg}, "unknown option"},
		"config_missing":      {[]string{"-m", "src", "--config", filepath.Join(dir, "nope")}, "config file"},
		"config_dir_missing":  {[]string{"-m", "src", "--config-dir", filepath.Join(dir, "nope")}, "configuration directory"},
		"settings_bad_value":  {[]string{"-m", "src", "--settings-json", badSettings}, "invalid value"},
		"capath_without_pems": {[]string{"-m", "src", "-c", dir}, "no PEM"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseArgs(append(append([]string{}, base...), c.args...), env(nil))
			if !errors.Is(err, localproxy.ErrInvalidConfig) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("ParseArgs(%q) = %v, want an invalid-config error containing %q", c.args, err, c.msg)
			}
		})
	}
}

func TestParseArgsRejectsTokensAndEndpoints(t *testing.T) {
	cases := map[string]struct {
		args []string
		env  map[string]string
		msg  string
	}{
		"no_token":          {[]string{"-e", "h", "-m", "src"}, nil, "access token is required"},
		"token_too_long":    {[]string{"-t", strings.Repeat("t", 4097), "-e", "h", "-m", "src"}, nil, "longer than 4096"},
		"token_control":     {[]string{"-t", "to\x01ken", "-e", "h", "-m", "src"}, nil, "control characters"},
		"token_newline_env": {[]string{"-e", "h", "-m", "src"}, map[string]string{EnvAccessToken: "a\nb"}, "control characters"},
		"both_r_and_e":      {[]string{"-t", "x", "-e", "h", "-r", "us-east-1", "-m", "src"}, nil, "one and only one of --region"},
		"neither_r_nor_e":   {[]string{"-t", "x", "-m", "src"}, nil, "one and only one of --region"},
		"env_both":          {[]string{"-t", "x", "-m", "src"}, map[string]string{EnvEndpoint: "h", EnvRegion: "r"}, "one and only one"},
		"http_scheme":       {[]string{"-t", "x", "-e", "http://h", "-m", "src"}, nil, "scheme must be ws or wss"},
		"endpoint_port_0":   {[]string{"-t", "x", "-e", "h:0", "-m", "src"}, nil, "invalid port"},
		"endpoint_spaces":   {[]string{"-t", "x", "-e", "a b", "-m", "src"}, nil, "invalid proxy endpoint"},
		"endpoint_path":     {[]string{"-t", "x", "-e", "h/x", "-m", "src"}, nil, "invalid proxy endpoint"},
		"bad_region":        {[]string{"-t", "x", "-r", "US_EAST", "-m", "src"}, nil, "invalid region"},
		"bad_web_proxy":     {[]string{"-t", "x", "-e", "h", "-m", "src"}, map[string]string{"HTTPS_PROXY": "socks5://p"}, "HTTPS_PROXY"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseArgs(c.args, env(c.env))
			if !errors.Is(err, localproxy.ErrInvalidConfig) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("ParseArgs = %v, want an invalid-config error containing %q", err, c.msg)
			}
			if err != nil && strings.Count(err.Error(), localproxy.ErrInvalidConfig.Error()) != 1 {
				t.Errorf("ParseArgs = %q, want %q said once", err, localproxy.ErrInvalidConfig)
			}
		})
	}
}
