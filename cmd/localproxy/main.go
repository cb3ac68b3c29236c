// Command localproxy is a drop-in replacement for the AWS IoT Secure
// Tunneling local proxy: the same command line (-t, -i, -e, -r, -s, -d, -b,
// -c, -k, -v, -m, -y, --config, --config-dir, --settings-json,
// --export-default-settings, AWSIOT_TUNNEL_* variables), in source or
// destination mode. internal/localproxy/proxyconf parses the command line
// into a configuration; internal/localproxy is the proxy itself.
//
// Extensions: -e also takes ws://host[:port] (plain WebSocket, for a local
// tunneld in development) or wss://host[:port]; the reference form
// host[:port] means TLS on port 443. --ca-bundle FILE adds a PEM file of CA
// certificates. https_proxy/HTTPS_PROXY (http:// or https://, with
// user:password@) is used through HTTP CONNECT, except for no_proxy hosts
// and loopback. Without -i a random client token is generated, so the
// proxy can reconnect after a network failure. --stdio SERVICE makes it a
// source that carries exactly one connection of SERVICE over stdin and
// stdout, for OpenSSH (ssh -o ProxyCommand='localproxy -e ... --stdio
// SSH' host); it logs to stderr only and exits when the stream ends. --pprof-listen ADDR (or the
// variable LOCALPROXY_PPROF) serves net/http/pprof for profiling.
//
// Exit status: 0 when the service closes the tunnel (Close frame), on
// SIGINT/SIGTERM, and for --help, --version and --export-default-settings;
// 1 for runtime failures (upgrade rejected with a 4xx, mapping that does
// not fit the tunnel, port already in use, retries exhausted); 2 for
// invalid options. With --stdio: 0 when the stream ends (the service closed
// the connection, or stdin ended) and on SIGINT/SIGTERM/SIGHUP; 1 when the
// tunnel cannot be reached (3 attempts), does not have SERVICE, or its
// connection is lost or closed mid-stream.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/localproxy/proxyconf"
	"github.com/adit-project/adit/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	args, pprofAddr := splitPprofFlag(args)
	if pprofAddr == "" {
		pprofAddr = os.Getenv("LOCALPROXY_PPROF")
	}
	if pprofAddr != "" {
		go func() {
			if err := servePprof(pprofAddr); err != nil {
				fmt.Fprintf(stderr, "localproxy: pprof: %v\n", err)
			}
		}()
	}
	args, stdioService, stdio, err := splitStdioFlag(args)
	if err != nil {
		fmt.Fprintf(stderr, "localproxy: %v\nRun 'localproxy --help' for usage.\n", err)
		return 2
	}
	inv, err := proxyconf.ParseArgs(args, os.Getenv)
	if err == nil && stdio && !inv.Help && !inv.Version && inv.ExportSettings == "" {
		err = checkStdio(&inv.Config)
	}
	if err != nil {
		fmt.Fprintf(stderr, "localproxy: %v\nRun 'localproxy --help' for usage.\n", err)
		return 2
	}
	switch {
	case inv.Help:
		proxyconf.WriteUsage(stdout)
		return 0
	case inv.Version:
		fmt.Fprintln(stdout, "localproxy-adit", version.Long())
		return 0
	case inv.ExportSettings != "":
		if err := proxyconf.ExportDefaultSettings(inv.ExportSettings); err != nil {
			fmt.Fprintf(stderr, "localproxy: %v\n", err)
			return 1
		}
		return 0
	}
	log := proxyconf.NewLogger(stderr, inv.Verbosity)
	for _, w := range inv.Warnings {
		log.Warn(w)
	}
	cfg := inv.Config
	cfg.Logger = log
	cfg.UserAgent = "localproxy-adit/" + version.String()
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if stdio {
		sigs = append(sigs, syscall.SIGHUP) // OpenSSH ends its ProxyCommand with SIGHUP
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	if stdio {
		return runStdio(ctx, cfg, stdioService, log, os.Stdin, stdout)
	}
	return exitStatus(ctx, log, localproxy.Run(ctx, cfg))
}

// exitStatus maps the end of a proxy run to the exit status: 0 when it
// ended normally or on a signal, 2 for invalid options, 1 for any other
// failure (logged at fatal level).
func exitStatus(ctx context.Context, log *slog.Logger, err error) int {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return 0
	case errors.Is(err, localproxy.ErrInvalidConfig):
		log.Log(ctx, proxyconf.LevelFatal, err.Error())
		return 2
	}
	log.Log(ctx, proxyconf.LevelFatal, err.Error())
	return 1
}
