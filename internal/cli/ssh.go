package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// runExtension runs ssh, port-forward or the hidden stdio proxy.
func (r *runner) runExtension(ctx context.Context, globals []string, command string, args []string) error {
	if command == cmdStdioProxy {
		return r.stdioProxy(ctx, args)
	}
	o, err := parseConnect(command, globals, args)
	if err != nil {
		return err
	}
	conn, err := r.connect(ctx, o)
	if err != nil {
		return err
	}
	t, err := conn.open(ctx, o.thing, o.service)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "tunnelctl: opened tunnel %s to thing %s (%s); waiting up to %s for its destination\n", t.TunnelID, o.thing, o.service, o.wait)
	err = conn.waitDestination(ctx, o, t.TunnelID)
	if err == nil {
		if command == cmdSSH {
			err = r.ssh(ctx, o, conn, t)
		} else {
			err = r.portForward(ctx, o, conn, t)
		}
	}
	if o.keep {
		fmt.Fprintf(r.stderr, "tunnelctl: tunnel %s stays open (--keep)\n", t.TunnelID)
		return err
	}
	if cerr := conn.closeTunnel(t.TunnelID); cerr != nil {
		fmt.Fprintf(r.stderr, "tunnelctl: close tunnel %s: %v\n", t.TunnelID, cerr)
		if err == nil {
			err = &exitStatus{code: exitError}
		}
	}
	return err
}

// ssh runs ssh with a ProxyCommand that is this program's hidden stdio
// proxy, and returns ssh's exit status.
func (r *runner) ssh(ctx context.Context, o *connectOptions, conn *connection, t *openedTunnel) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find tunnelctl's own path for the ProxyCommand: %w", err)
	}
	proxy := shellQuote(self) + " " + cmdStdioProxy + " " + o.service
	args := append([]string{"-o", "ProxyCommand=" + strings.ReplaceAll(proxy, "%", "%%"), o.destination}, o.sshArgs...)
	cmd := exec.Command(o.sshProgram, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, r.stdout, r.stderr
	cmd.Env = append(os.Environ(), envTunnelToken+"="+t.SourceAccessToken, envTunnelEndpoint+"="+conn.dataEndpoint)
	if conn.caBundle != "" {
		cmd.Env = append(cmd.Env, envTunnelCA+"="+conn.caBundle)
	}
	if conn.insecure {
		cmd.Env = append(cmd.Env, envTunnelInsecure+"=1")
	}
	// ssh owns the terminal: Ctrl-C reaches it (or the remote side), and
	// tunnelctl waits for it to exit whatever ctx does.
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return &exitStatus{code: ee.ExitCode()}
	}
	return &exitStatus{code: exitError, msg: fmt.Sprintf("run %s: %v", o.sshProgram, err)}
}

// stdioProxy is ssh's ProxyCommand: one connection of the service over
// stdin and stdout, with the token and endpoint from the environment.
func (r *runner) stdioProxy(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageExit("usage: tunnelctl " + cmdStdioProxy + " SERVICE (used by tunnelctl ssh as ssh's ProxyCommand)")
	}
	tlsConf, err := dataTLS(r.getenv(envTunnelCA), r.getenv(envTunnelInsecure) == "1")
	if err != nil {
		return &exitStatus{code: 1, msg: err.Error()}
	}
	cfg := localproxy.Config{Mode: tunnel.ModeSource, Endpoint: r.getenv(envTunnelEndpoint),
		AccessToken: r.getenv(envTunnelToken), TLS: tlsConf, UserAgent: userAgent(),
		Logger: slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	err = localproxy.RunStdio(ctx, cfg, args[0], os.Stdin, r.stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		return &exitStatus{code: 1, msg: err.Error()}
	}
	return nil
}

// shellQuote quotes s for sh when it needs quoting (a plain path is left
// alone, which also suits Windows' OpenSSH, which runs no shell).
func shellQuote(s string) string {
	if plainPath.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var plainPath = regexp.MustCompile(`^[A-Za-z0-9_./:\\-]+$`)
