package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// splitStdioFlag removes --stdio SERVICE (or --stdio=SERVICE), an adit
// extension, from args. With it, the proxy is a source that carries one
// connection of SERVICE over stdin and stdout (OpenSSH's ProxyCommand);
// "--mode source" is added for the reference parser when no mode is given
// (checkStdio then refuses -s and -d). ok reports whether --stdio was
// given.
func splitStdioFlag(args []string) (rest []string, service string, ok bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i:]...)
			i = len(args)
		case a == "--stdio":
			if i+1 >= len(args) {
				return nil, "", false, errors.New("--stdio needs a service id (e.g. --stdio SSH)")
			}
			service, ok = args[i+1], true
			i++
		case strings.HasPrefix(a, "--stdio="):
			service, ok = strings.TrimPrefix(a, "--stdio="), true
		default:
			rest = append(rest, a)
		}
	}
	if !ok {
		return rest, "", false, nil
	}
	if !slices.ContainsFunc(rest, func(a string) bool { return a == "-m" || a == "--mode" || strings.HasPrefix(a, "--mode=") }) {
		rest = append(rest, "--mode", "source")
	}
	return rest, service, true, nil
}

// checkStdio refuses the options that contradict --stdio.
func checkStdio(cfg *localproxy.Config) error {
	if cfg.Mode != tunnel.ModeSource || len(cfg.Services) > 0 {
		return errors.New("--stdio carries one connection over stdin/stdout: -s, -d and destination mode do not apply")
	}
	return nil
}

// runStdio carries one connection of service over the process's stdin and
// stdout and returns the exit status (see exitStatus).
func runStdio(ctx context.Context, cfg localproxy.Config, service string, log *slog.Logger, stdin io.Reader, stdout io.Writer) int {
	return exitStatus(ctx, log, localproxy.RunStdio(ctx, cfg, service, stdin, stdout))
}
