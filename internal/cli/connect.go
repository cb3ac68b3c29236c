package cli

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Extension commands: tunnelctl's own, beyond the AWS CLI's eight. They
// open a tunnel to a thing, wait for its agent and connect to it.
const (
	cmdSSH         = "ssh"
	cmdPortForward = "port-forward"
	// cmdStdioProxy is the hidden ProxyCommand tunnelctl ssh gives ssh:
	// tunnelctl __stdio-proxy SERVICE (token and endpoint in the environment).
	cmdStdioProxy = "__stdio-proxy"
)

// Environment of the hidden stdio proxy (set by tunnelctl ssh for ssh,
// which passes it on to its ProxyCommand). The token and endpoint use
// localproxy's variable names.
const (
	envTunnelToken    = "AWSIOT_TUNNEL_ACCESS_TOKEN"
	envTunnelEndpoint = "AWSIOT_TUNNEL_ENDPOINT"
	envTunnelCA       = "ADIT_TUNNEL_CA_BUNDLE"
	envTunnelInsecure = "ADIT_TUNNEL_NO_VERIFY_SSL"
)

// defaultWait is how long ssh and port-forward wait for the destination.
const defaultWait = 60 * time.Second

var thingNameRE = regexp.MustCompile(`^[a-zA-Z0-9:_-]{1,128}$`)

// connectOptions are the parsed arguments of ssh and port-forward.
type connectOptions struct {
	command      string
	globals      []string // global options, for the main parser
	wait         time.Duration
	keep         bool
	service      string // ssh: --service (default SSH); port-forward: SERVICE
	dataEndpoint string // --data-endpoint, or derived from the API endpoint
	sshProgram   string // --ssh-program (default "ssh")
	bind         string // port-forward --bind (default 127.0.0.1)
	destination  string // ssh: [user@]THING as given
	thing        string
	localPort    string   // port-forward LOCALPORT
	sshArgs      []string // everything after [user@]THING
}

// isExtension reports whether a command word is one of tunnelctl's own.
func isExtension(word string) bool {
	return word == cmdSSH || word == cmdPortForward || word == cmdStdioProxy
}

// splitExtension finds an extension command after the global options of
// args (the program name excluded). It returns the global options before
// it, the command and the arguments after it.
func splitExtension(args []string) (globals []string, command string, rest []string, ok bool) {
	p := newMainParser()
	start := 0
	if len(args) > 0 && args[0] == serviceName {
		start = 1
	}
	for i := start; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "--") {
			if act := p.lookup(a); act != nil && act.nargs == nargsOne {
				i++
			}
			continue
		}
		if isExtension(a) {
			return args[start:i], a, args[i+1:], true
		}
		return nil, "", nil, false
	}
	return nil, "", nil, false
}

// parseConnect parses ssh and port-forward arguments: options (tunnelctl's
// global ones or the command's) up to [user@]THING, then for ssh the ssh
// arguments verbatim and for port-forward SERVICE LOCALPORT.
func parseConnect(command string, globals, args []string) (*connectOptions, error) {
	o := &connectOptions{command: command, globals: globals, wait: defaultWait, service: "SSH", sshProgram: "ssh", bind: "127.0.0.1"}
	main := newMainParser()
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(pos) > 0 && command == cmdSSH {
			o.sshArgs = args[i:]
			break
		}
		if !strings.HasPrefix(a, "--") {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", usageExit(fmt.Sprintf("argument %s: expected one argument", name))
			}
			i++
			return args[i], nil
		}
		if err := o.option(name, hasVal, value, main, a, &i, args); err != nil {
			return nil, err
		}
	}
	return o, o.positionals(pos)
}

// option applies one --option of parseConnect.
func (o *connectOptions) option(name string, hasVal bool, value func() (string, error), main *argParser, raw string, i *int, args []string) error {
	var err error
	var v string
	switch name {
	case "--keep":
		o.keep = true
	case "--wait":
		if v, err = value(); err == nil {
			o.wait, err = time.ParseDuration(v)
			if err != nil || o.wait <= 0 {
				err = usageExit(fmt.Sprintf("argument --wait: invalid duration %q (e.g. 60s, 2m)", v))
			}
		}
	case "--service", "--data-endpoint", "--ssh-program", "--bind":
		if v, err = value(); err == nil {
			*map[string]*string{"--service": &o.service, "--data-endpoint": &o.dataEndpoint,
				"--ssh-program": &o.sshProgram, "--bind": &o.bind}[name] = v
		}
	default:
		act := main.lookup(name)
		if act == nil {
			return usageExit(fmt.Sprintf("unknown option %s", raw))
		}
		o.globals = append(o.globals, raw)
		if act.nargs == nargsOne && !hasVal {
			if *i+1 >= len(args) {
				return usageExit(fmt.Sprintf("argument %s: expected one argument", name))
			}
			*i++
			o.globals = append(o.globals, args[*i])
		}
	}
	return err
}

// positionals checks [user@]THING (and SERVICE LOCALPORT).
func (o *connectOptions) positionals(pos []string) error {
	usage := "usage: tunnelctl ssh [options] [user@]THING [ssh arguments...]"
	want := 1
	if o.command == cmdPortForward {
		usage, want = "usage: tunnelctl port-forward [options] THING SERVICE LOCALPORT", 3
	}
	if len(pos) != want {
		return usageExit(usage)
	}
	o.destination = pos[0]
	o.thing = pos[0]
	if at := strings.LastIndex(o.thing, "@"); at >= 0 && o.command == cmdSSH {
		o.thing = o.thing[at+1:]
	}
	if !thingNameRE.MatchString(o.thing) {
		return usageExit(fmt.Sprintf("invalid thing name %q: want 1 to 128 of a-z A-Z 0-9 : _ -", o.thing))
	}
	if o.command == cmdPortForward {
		o.service, o.localPort = pos[1], pos[2]
	}
	return nil
}

// exitStatus ends tunnelctl with status code after printing msg, if any,
// on stderr.
type exitStatus struct {
	code int
	msg  string
}

func (e *exitStatus) Error() string { return e.msg }

// usageExit is a usage error of an extension command (status 2).
func usageExit(msg string) error { return &exitStatus{code: exitUsage, msg: msg} }
