package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// connection is an extension command's API client and data-plane settings.
type connection struct {
	c            *client
	dataEndpoint string // ws:// or wss:// base URL of the data plane
	caBundle     string // extra CA file for the data plane, or ""
	insecure     bool   // --no-verify-ssl
}

// connect resolves the global options, profile, credentials, region and
// endpoint exactly as the eight API commands do.
func (r *runner) connect(ctx context.Context, o *connectOptions) (*connection, error) {
	ns, rest, err := newMainParser().parseKnownArgs(append([]string{serviceName}, o.globals...))
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageExit("unknown option " + strings.Join(rest, " "))
	}
	g, err := resolveGlobals(ns)
	if err != nil {
		return nil, err
	}
	r.log = &debugLog{now: r.now}
	if g.debug {
		r.log.w = r.stderr
	}
	prof := loadProfiles(g, r.getenv)
	scoped, err := prof.scoped()
	if err != nil {
		return nil, err
	}
	inv := &invocation{runner: r, g: g, prof: prof, scoped: scoped}
	c, err := inv.newClient(ctx, true)
	if err != nil {
		return nil, err
	}
	conn := &connection{c: c, dataEndpoint: o.dataEndpoint, insecure: !g.verifySSL}
	if conn.caBundle = g.caBundle; conn.caBundle == "" {
		if conn.caBundle = r.getenv("AWS_CA_BUNDLE"); conn.caBundle == "" {
			conn.caBundle = scoped["ca_bundle"]
		}
	}
	conn.caBundle = expandUser(conn.caBundle, r.getenv)
	if conn.dataEndpoint == "" {
		if conn.dataEndpoint, err = dataEndpoint(c.endpoint); err != nil {
			return nil, err
		}
	}
	return conn, nil
}

// dataEndpoint derives the data-plane URL from the API endpoint: the same
// host and port over ws:// or wss:// (tunneld serves both), or AWS's
// data.tunneling.iot.REGION host for its api.tunneling.iot.REGION one.
func dataEndpoint(api string) (string, error) {
	u, err := url.Parse(api)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %v", api, err)
	}
	host := u.Host
	if rest, ok := strings.CutPrefix(host, "api.tunneling.iot."); ok {
		host = "data.tunneling.iot." + rest
	}
	switch u.Scheme {
	case "http":
		return "ws://" + host, nil
	case "https":
		return "wss://" + host, nil
	}
	return "", fmt.Errorf("endpoint %q: cannot derive the data-plane endpoint; give --data-endpoint", api)
}

// tlsConfig is the data plane's TLS configuration (nil: system roots).
func (conn *connection) tlsConfig() (*tls.Config, error) {
	return dataTLS(conn.caBundle, conn.insecure)
}

func dataTLS(caBundle string, insecure bool) (*tls.Config, error) {
	if caBundle == "" && !insecure {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // --no-verify-ssl asks for it
	if caBundle != "" && !insecure {
		pem, err := os.ReadFile(caBundle)
		if err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle %s: no PEM certificates", caBundle)
		}
	}
	return conf, nil
}

// do calls one API operation (by CLI command name) with in as the JSON
// body and decodes the response into out.
func (conn *connection) do(ctx context.Context, command string, in, out any) error {
	op := lookupOperation(command)
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := conn.c.call(ctx, op, body)
	if err != nil {
		return err
	}
	if resp.status >= 300 {
		return toAPIError(resp, op)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp.body, out)
}

// openedTunnel is the part of OpenTunnel's answer the commands use.
type openedTunnel struct {
	TunnelID          string `json:"tunnelId"`
	SourceAccessToken string `json:"sourceAccessToken"`
}

// open opens a tunnel to thing for service.
func (conn *connection) open(ctx context.Context, thing, service string) (*openedTunnel, error) {
	var t openedTunnel
	req := map[string]any{"destinationConfig": map[string]any{"thingName": thing, "services": []string{service}},
		"description": "tunnelctl " + service + " to " + thing}
	if err := conn.do(ctx, "open-tunnel", req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// waitDestination polls DescribeTunnel until the destination is
// CONNECTED, for at most wait.
func (conn *connection) waitDestination(ctx context.Context, o *connectOptions, tunnelID string) error {
	deadline := time.Now().Add(o.wait)
	for {
		var d struct {
			Tunnel struct {
				Status           string `json:"status"`
				DestinationState struct {
					Status string `json:"status"`
				} `json:"destinationConnectionState"`
			} `json:"tunnel"`
		}
		if err := conn.do(ctx, "describe-tunnel", map[string]any{"tunnelId": tunnelID}, &d); err != nil {
			return err
		}
		switch {
		case d.Tunnel.DestinationState.Status == "CONNECTED":
			return nil
		case d.Tunnel.Status == "CLOSED":
			return &exitStatus{code: exitError, msg: fmt.Sprintf("tunnel %s was closed while waiting for thing %s", tunnelID, o.thing)}
		case time.Now().After(deadline):
			return &exitStatus{code: exitError, msg: fmt.Sprintf("no destination connected for thing %s within %s "+
				"(is tunnelagent running and subscribed, and does its --destination-app offer %s?)", o.thing, o.wait, o.service)}
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// closeTunnel closes a tunnel, even when ctx has ended (Ctrl-C).
func (conn *connection) closeTunnel(tunnelID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return conn.do(ctx, "close-tunnel", map[string]any{"tunnelId": tunnelID}, nil)
}
