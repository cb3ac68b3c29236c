package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/flagconf"
	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// options holds the parsed command line.
type options struct {
	cfg       agent.Config
	services  string
	caBundle  string
	verbosity string
	version   bool
	config    string
}

// newFlagSet declares every flag. Each can also come from the environment
// as TUNNELAGENT_ + the upper-case name with - as _.
func newFlagSet(o *options, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tunnelagent", flag.ContinueOnError)
	fs.SetOutput(out)
	c := &o.cfg
	fs.StringVar(&c.MQTT.URL, "mqtt-url", "mqtt://127.0.0.1:1883", "MQTT broker: mqtt://[user:pass@]host:1883 or mqtts://host:8883")
	fs.StringVar(&c.MQTT.ClientID, "client-id", "", "MQTT client id (default tunnelagent-THING)")
	fs.StringVar(&c.MQTT.Username, "mqtt-username", "", "MQTT username (overrides the URL's); on tunneld's embedded broker, the thing name")
	fs.StringVar(&c.MQTT.Password, "mqtt-password", "", "MQTT password (prefer TUNNELAGENT_MQTT_PASSWORD)")
	fs.StringVar(&c.MQTT.CAFile, "mqtt-ca", "", "CA bundle (PEM) for the broker")
	fs.StringVar(&c.MQTT.CertFile, "mqtt-cert", "", "client certificate (PEM) for mutual TLS with the broker")
	fs.StringVar(&c.MQTT.KeyFile, "mqtt-key", "", "client private key (PEM) for mutual TLS with the broker")
	fs.DurationVar(&c.MQTT.SessionExpiry, "mqtt-session-expiry", agent.DefaultSessionExpiry, "how long the broker keeps the agent's session while it is offline")
	fs.StringVar(&c.ThingName, "thing-name", "", "this device's thing name (required)")
	fs.StringVar(&c.Topic, "topic", notifymsg.DefaultTopic, "notify topic format; %s is the thing name")
	fs.StringVar(&c.Endpoint, "endpoint", "", "data-plane endpoint of tunneld, wss://host:port or ws://host:port (required)")
	fs.StringVar(&o.caBundle, "ca-bundle", "", "CA bundle (PEM) that verifies the data-plane endpoint (default: system roots)")
	fs.StringVar(&o.services, "destination-app", "", "service map SERVICE=endpoint,... as localproxy -d (default SSH=22,VNC=5900)")
	fs.IntVar(&c.MaxTunnels, "max-tunnels", agent.DefaultMaxTunnels, "tunnels served at once")
	fs.StringVar(&o.verbosity, "v", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.config, "config", "", "TOML config file; keys are these flag names (flags win over TUNNELAGENT_* variables, which win over the file)")
	return fs
}

// parseOptions parses args, then fills unset flags from the environment.
func parseOptions(args []string, getenv func(string) string, out io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, out)
	if err := flagconf.Parse(fs, args, "TUNNELAGENT_", getenv); err != nil {
		return nil, err
	}
	if o.version {
		return o, nil
	}
	return o, o.finish()
}

// finish checks required flags and builds the service map and TLS.
func (o *options) finish() error {
	if o.cfg.ThingName == "" || o.cfg.Endpoint == "" {
		return fmt.Errorf("--thing-name and --endpoint are required")
	}
	if o.services != "" {
		ss, err := agent.ParseServiceMap(o.services)
		if err != nil {
			return fmt.Errorf("--destination-app: %w", err)
		}
		o.cfg.Services = ss
	}
	if o.caBundle != "" {
		pem, err := os.ReadFile(o.caBundle)
		if err != nil {
			return fmt.Errorf("--ca-bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca-bundle %s: no PEM certificates", o.caBundle)
		}
		o.cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.verbosity)); err != nil {
		return fmt.Errorf("-v: %w", err)
	}
	o.cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	o.cfg.Proxy.ReconnectDelay = 500 * time.Millisecond
	return nil
}
