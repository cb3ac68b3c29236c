// Command tunnelagent runs on a device: it subscribes to the device's
// notify topic on an MQTT broker and, for each tunnel opened for the
// device, runs a destination local proxy in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the testable entry point; it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "tunnelagent:", err)
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, "tunnelagent", version.Long())
		return 0
	}
	a, err := agent.New(o.cfg)
	if err != nil {
		fmt.Fprintln(stderr, "tunnelagent:", err)
		return 2
	}
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "tunnelagent:", err)
		return 1
	}
	return 0
}
