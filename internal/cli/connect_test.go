package cli

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSplitExtension(t *testing.T) {
	for _, c := range []struct {
		args    []string
		globals []string
		command string
		ok      bool
	}{
		{[]string{"ssh", "robot"}, []string{}, "ssh", true},
		{[]string{"--endpoint-url", "http://x", "--debug", "port-forward", "t"}, []string{"--endpoint-url", "http://x", "--debug"}, "port-forward", true},
		{[]string{"iotsecuretunneling", "--region=eu-west-1", "ssh"}, []string{"--region=eu-west-1"}, "ssh", true},
		{[]string{"list-tunnels", "ssh"}, nil, "", false},
		{[]string{"--endpoint-url", "ssh", "list-tunnels"}, nil, "", false}, // "ssh" is a value here
	} {
		g, cmd, _, ok := splitExtension(c.args)
		if ok != c.ok || cmd != c.command || (ok && !slices.Equal(g, c.globals)) {
			t.Errorf("splitExtension(%q) = %q, %q, %v; want %q, %q, %v", c.args, g, cmd, ok, c.globals, c.command, c.ok)
		}
	}
}

func TestParseConnect(t *testing.T) {
	o, err := parseConnect(cmdSSH, nil, []string{"--wait", "5s", "--profile", "lab", "--keep", "pi@robot-1", "-p", "22", "--wait", "uname"})
	if err != nil {
		t.Fatal(err)
	}
	if o.thing != "robot-1" || o.destination != "pi@robot-1" || o.wait != 5*time.Second || !o.keep || o.service != "SSH" ||
		!slices.Equal(o.globals, []string{"--profile", "lab"}) || !slices.Equal(o.sshArgs, []string{"-p", "22", "--wait", "uname"}) {
		t.Fatalf("parseConnect(ssh ...) = %+v", o)
	}
	o, err = parseConnect(cmdPortForward, []string{"--debug"}, []string{"robot-2", "HTTP", "8080", "--bind=0.0.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if o.thing != "robot-2" || o.service != "HTTP" || o.localPort != "8080" || o.bind != "0.0.0.0" || o.wait != defaultWait {
		t.Fatalf("parseConnect(port-forward ...) = %+v", o)
	}
	for _, bad := range [][]string{{}, {"--wait", "soon", "t"}, {"--nope", "t"}, {"bad/thing"}, {"--wait"}} {
		_, err := parseConnect(cmdSSH, nil, bad)
		var es *exitStatus
		if !errors.As(err, &es) || es.code != exitUsage || es.msg == "" {
			t.Errorf("parseConnect(ssh %q) = %v, want a usage error (status 2)", bad, err)
		}
	}
}

func TestDataEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":                             "ws://127.0.0.1:8080",
		"https://tunnels.example.com":                       "wss://tunnels.example.com",
		"https://api.tunneling.iot.eu-west-1.amazonaws.com": "wss://data.tunneling.iot.eu-west-1.amazonaws.com",
	} {
		if got, err := dataEndpoint(in); err != nil || got != want {
			t.Errorf("dataEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := dataEndpoint("ftp://x"); err == nil {
		t.Error("dataEndpoint(ftp://x) succeeded, want an error")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/tunnelctl":      "/usr/bin/tunnelctl",
		`C:\Tools\tunnelctl.exe`:  `C:\Tools\tunnelctl.exe`,
		"/opt/my tools/tunnelctl": "'/opt/my tools/tunnelctl'",
		"/tmp/it's/tunnelctl":     `'/tmp/it'\''s/tunnelctl'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
