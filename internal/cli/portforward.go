package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// portForward runs a source proxy in-process on BIND:LOCALPORT for the
// service until ctx ends (Ctrl-C) or the tunnel closes.
func (r *runner) portForward(ctx context.Context, o *connectOptions, conn *connection, t *openedTunnel) error {
	tlsConf, err := conn.tlsConfig()
	if err != nil {
		return &exitStatus{code: exitError, msg: err.Error()}
	}
	addr := net.JoinHostPort(o.bind, o.localPort)
	cfg := localproxy.Config{Mode: tunnel.ModeSource, Endpoint: conn.dataEndpoint, AccessToken: t.SourceAccessToken,
		Services: []localproxy.Service{{ID: o.service, Addr: addr}}, TLS: tlsConf, UserAgent: userAgent(),
		Logger: slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnListen: func(_ string, a net.Addr) {
			fmt.Fprintf(r.stderr, "tunnelctl: forwarding %s to %s on thing %s; Ctrl-C to stop\n", a, o.service, o.thing)
		}}
	err = localproxy.Run(ctx, cfg)
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case err == nil:
		return &exitStatus{code: exitError, msg: fmt.Sprintf("tunnel %s was closed", t.TunnelID)}
	}
	return &exitStatus{code: exitError, msg: err.Error()}
}
