// Command tunneld is the adit server: the AWS IoT Secure Tunneling
// control-plane API and the data-plane relay. Run it with --help for its
// flags and their defaults.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/adit-project/adit/internal/logging"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "device" {
		return runDevice(args[1:], getenv, os.Stdin, stdout, stderr)
	}
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "tunneld: %v\n", err)
		return 2
	}
	if o.version {
		fmt.Fprintf(stdout, "tunneld %s\n", version.Long())
		return 0
	}
	// The log's lines leave in batches (internal/logging): within 100 ms,
	// warnings and errors at once, and everything before run returns.
	// Later messages to stderr go through the same buffer, in order.
	lw := logging.NewWriter(stderr, logging.DefaultDelay, logging.DefaultSize)
	defer lw.Close()
	stderr = lw
	logger, err := newLogger(o.logFormat, o.logLevel, lw)
	if err != nil {
		fmt.Fprintf(stderr, "tunneld: %v\n", err)
		return 2
	}
	o.cfg.Logger = logger
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.pprof != "" {
		if _, err := startPprof(o.pprof, logger); err != nil {
			logger.Error("pprof server", "err", err)
		}
	}
	srv, err := server.New(ctx, o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "tunneld: %v\n", err)
		return 1
	}
	go reloadOnHangup(ctx, srv, logger)
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "tunneld: %v\n", err)
		return 1
	}
	return 0
}

// newLogger returns the server's logger, writing to w.
func newLogger(format, level string, w *logging.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(logging.NewHandler(slog.NewTextHandler(w, opts), w)), nil
	case "json":
		return slog.New(logging.NewHandler(slog.NewJSONHandler(w, opts), w)), nil
	}
	return nil, fmt.Errorf("log-format %q: want text or json", format)
}

// reloadOnHangup calls srv.Reload on every SIGHUP until ctx ends.
func reloadOnHangup(ctx context.Context, srv *server.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := srv.Reload(); err != nil {
				log.Error("SIGHUP: reload failed; what failed keeps its previous state", "err", err)
				continue
			}
			log.Info("SIGHUP: reloaded")
		}
	}
}
