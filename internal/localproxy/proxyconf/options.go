package proxyconf

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// option is one command-line option of the reference proxy (docs/PROTOCOL.md
// §4.1), plus the --ca-bundle extension.
type option struct {
	long, short, arg, help string
}

// options in the order --help lists them. arg is empty for switches.
var options = []option{
	{"help", "h", "", "Show this help and exit"},
	{"version", "V", "", "Print the version and exit"},
	{"access-token", "t", "TOKEN", "Client access token (or env AWSIOT_TUNNEL_ACCESS_TOKEN)"},
	{"client-token", "i", "TOKEN", "Client token, ^[a-zA-Z0-9-]{32,128}$; generated when not given so reconnects work"},
	{"proxy-endpoint", "e", "ENDPOINT", "Data-plane endpoint: host[:port] (TLS, default port 443), wss://host[:port], or ws://host[:port] for plain WebSocket (development)"},
	{"region", "r", "REGION", "Region of the tunnel; endpoint data.tunneling.iot.REGION.amazonaws.com. Exclusive with -e"},
	{"source-listen-port", "s", "MAPPING", "Source mode; listen ports per service: 5555, or SSH1=5555,SSH2=6666 (host:port to bind elsewhere)"},
	{"destination-app", "d", "MAPPING", "Destination mode; endpoints per service: 22, host:port, /unix/socket, or SSH1=22,SSH2=10.0.0.1:80"},
	{"local-bind-address", "b", "ADDRESS", "Listen address (source) or local address to connect from (destination)"},
	{"capath", "c", "DIR", "Directory of extra CA certificates (every PEM file in it)"},
	{"ca-bundle", "", "FILE", "PEM file of extra CA certificates"},
	{"no-ssl-host-verify", "k", "", "Do not verify the server certificate (insecure)"},
	{"verbose", "v", "LEVEL", "Log level 0..255: 0 off, 1 fatal, 2 error, 3 warning, 4 info (default), 5 debug, 6+ trace"},
	{"mode", "m", "MODE", "src, source, dst or destination (when no -s/-d is given)"},
	{"destination-client-type", "y", "TYPE", "Source only: V1 or V2 for destinations speaking an older protocol"},
	{"config", "", "FILE", "File of long options as key = value; command-line options win"},
	{"config-dir", "", "DIR", "Directory of INI files with SERVICE = endpoint mappings (default ./config)"},
	{"settings-json", "", "FILE", "JSON file of fine-grained settings (tunneling.proxy.*)"},
	{"export-default-settings", "", "FILE", "Write the default settings as JSON to FILE and exit"},
}

// optValue records an option's raw value under its long name.
type optValue struct {
	name   string
	isBool bool
	vals   map[string]string
}

func (v *optValue) String() string   { return "" }
func (v *optValue) IsBoolFlag() bool { return v.isBool }
func (v *optValue) Set(s string) error {
	if _, dup := v.vals[v.name]; dup {
		return errors.New("option given more than once")
	}
	v.vals[v.name] = s
	return nil
}

// WriteUsage prints the option list.
func WriteUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: localproxy [options]\n\nOptions:")
	for _, o := range options {
		name := "    --" + o.long
		if o.short != "" {
			name = "-" + o.short + ", --" + o.long
		}
		if o.arg != "" {
			name += " " + o.arg
		}
		fmt.Fprintf(w, "  %-40s %s\n", name, o.help)
	}
}

// parseFlags parses args into raw option values keyed by long name.
func parseFlags(args []string) (map[string]string, error) {
	vals := map[string]string{}
	fs := flag.NewFlagSet("localproxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	short := map[string]bool{}
	for _, o := range options {
		v := &optValue{name: o.long, isBool: o.arg == "", vals: vals}
		fs.Var(v, o.long, o.help)
		if o.short != "" {
			fs.Var(v, o.short, o.help)
			short[o.short] = o.arg != ""
		}
	}
	if err := fs.Parse(splitAttached(args, short)); err != nil {
		return nil, configErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, configErrorf("unexpected argument %q", fs.Arg(0))
	}
	return vals, nil
}

// splitAttached rewrites "-s5555" as "-s 5555" for short options that take
// a value, as the reference's parser accepts it.
func splitAttached(args []string, takesValue map[string]bool) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && takesValue[a[1:2]] && a[2] != '=' {
			out = append(out, a[:2], a[2:])
			continue
		}
		out = append(out, a)
	}
	return out
}

// parseBool accepts the spellings an INI file may use for a switch.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", s)
}

// parseVerbosity parses -v: 0..255, default 4.
func parseVerbosity(s string, given bool) (int, error) {
	if !given {
		return 4, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, configErrorf("verbose level %q must be 0..255", s)
	}
	return n, nil
}
