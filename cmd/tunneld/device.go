package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/flagconf"
	"github.com/adit-project/adit/internal/notify/devices"
)

const deviceUsage = `usage: tunneld device add THING [--password-stdin] [--replace]
       tunneld device revoke THING
       tunneld device revoke-cert THING SERIAL
       tunneld device list
Edits the embedded MQTT broker's device file (--mqtt-devices, default
DATA-DIR/mqtt-devices.json; --data-dir and --config apply as for tunneld).
A running tunneld picks the change up within a second.`

// deviceCmd is a parsed `tunneld device` command line.
type deviceCmd struct {
	verb          string
	args          []string
	path          string
	passwordStdin bool
	replace       bool
}

// runDevice runs `tunneld device ...` and returns the exit status.
func runDevice(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseDevice(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "tunneld device: %v\n%s\n", err, deviceUsage)
		return 2
	}
	switch c.verb {
	case "add":
		err = c.add(stdin, stdout, stderr)
	case "revoke":
		err = c.edit(func(d *devices.Device) { d.Revoked, d.PasswordHash = true, "" })
		if err == nil {
			fmt.Fprintf(stderr, "thing %s revoked; its MQTT sessions end within a second\n", c.args[0])
		}
	case "revoke-cert":
		err = c.revokeCert(stderr)
	case "list":
		err = c.list(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tunneld device %s: %v\n", c.verb, err)
		return 1
	}
	return 0
}

// parseDevice parses the verb, its arguments and tunneld's flags, which
// may come before or after the arguments.
func parseDevice(args []string, getenv func(string) string, stderr io.Writer) (*deviceCmd, error) {
	if len(args) == 0 {
		return nil, errors.New("missing command")
	}
	c := &deviceCmd{verb: args[0]}
	want := map[string]int{"add": 1, "revoke": 1, "revoke-cert": 2, "list": 0}
	n, ok := want[c.verb]
	if !ok {
		return nil, fmt.Errorf("unknown command %q", c.verb)
	}
	o := &options{}
	fs := newFlagSet(o, stderr)
	fs.BoolVar(&c.passwordStdin, "password-stdin", false, "add: read the password from the first line of standard input instead of generating one")
	fs.BoolVar(&c.replace, "replace", false, "add: replace the password of a thing that already has one")
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		c.args = append(c.args, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(c.args) != n {
		return nil, fmt.Errorf("%s takes %d argument(s), got %d", c.verb, n, len(c.args))
	}
	if n > 0 && !devices.ValidThingName(c.args[0]) {
		return nil, fmt.Errorf("thing name %q: want 1-128 of a-z A-Z 0-9 : _ -", c.args[0])
	}
	file := getenv("TUNNELD_CONFIG")
	if o.configFile != "" {
		file = o.configFile
	}
	if err := flagconf.Apply(fs, "TUNNELD_", getenv, file); err != nil {
		return nil, err
	}
	c.path = o.cfg.MQTTDevicesPath()
	return c, nil
}

// edit applies fn to the thing's entry (created if missing) under the
// file lock and writes the file back.
func (c *deviceCmd) edit(fn func(*devices.Device)) error {
	return withLock(c.path, func() error {
		f, err := devices.Read(c.path)
		if err != nil {
			return err
		}
		i := index(f, c.args[0])
		now := time.Now().UTC().Truncate(time.Second)
		if i < 0 {
			f.Devices = append(f.Devices, devices.Device{ThingName: c.args[0], Created: now})
			i = len(f.Devices) - 1
		}
		fn(&f.Devices[i])
		f.Devices[i].Updated = now
		return devices.Write(c.path, f)
	})
}

func index(f devices.File, thing string) int {
	for i, d := range f.Devices {
		if d.ThingName == thing {
			return i
		}
	}
	return -1
}

// add sets the thing's password (generated and printed once unless read
// from stdin) and clears a revocation.
func (c *deviceCmd) add(stdin io.Reader, stdout, stderr io.Writer) error {
	pw, generated := devices.GeneratePassword(), true
	if c.passwordStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw, generated = strings.TrimRight(line, "\r\n"), false
		if len(pw) < 8 || len(pw) > 1024 {
			return errors.New("password from stdin: want 8 to 1024 bytes on the first line")
		}
	}
	hash, err := devices.HashPassword(pw)
	if err != nil {
		return err
	}
	var exists error
	err = c.edit(func(d *devices.Device) {
		if d.PasswordHash != "" && !d.Revoked && !c.replace {
			exists = fmt.Errorf("thing %s already has a password (--replace to change it, or revoke it first)", d.ThingName)
			return
		}
		d.PasswordHash, d.Revoked = hash, false
	})
	if exists != nil {
		return exists
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "thing %s added to %s\n", c.args[0], c.path)
	if generated {
		fmt.Fprintf(stderr, "its MQTT username is %s and its password (shown only now) is:\n", c.args[0])
		fmt.Fprintln(stdout, pw)
	}
	return nil
}
