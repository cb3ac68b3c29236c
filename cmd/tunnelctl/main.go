// Command tunnelctl is the aws iotsecuretunneling command line as a single
// static binary: same commands, options, output and exit statuses.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/adit-project/adit/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
