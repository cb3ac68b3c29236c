package main

import (
	"flag"
	"io"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/flagconf"
	"github.com/adit-project/adit/internal/server"
)

// options holds what the command line, environment and config file give.
type options struct {
	cfg        server.Config
	configFile string
	logFormat  string
	logLevel   string
	tlsHosts   string
	version    bool
	pprof      string
}

// newFlagSet declares every flag with its default. Each flag can also come
// from the environment (TUNNELD_ + upper-case name with - as _) or from the
// TOML config file (same name as key); flags win over the environment,
// which wins over the file.
func newFlagSet(o *options, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tunneld", flag.ContinueOnError)
	fs.SetOutput(out)
	c := &o.cfg
	fs.StringVar(&o.configFile, "config", "", "TOML config file; keys are these flag names")
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "API and data-plane listen address HOST:PORT")
	fs.StringVar(&c.DataListen, "data-listen", "", "separate data-plane (/tunnel) listen address; empty = same as --listen")
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for the database, generated credentials and TLS files")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://user:password@host:5432/db?sslmode=verify-full&pool_max_conns=16) to keep tunnels in, shared by several tunneld nodes; empty = SQLite in DATA-DIR (prefer TUNNELD_DATABASE_URL: it may hold a password)")
	fs.StringVar(&c.CredentialsFile, "credentials-file", "", "AWS shared-credentials file; each section is an accepted key (default: TUNNELD_ACCESS_KEY_ID/TUNNELD_SECRET_ACCESS_KEY, else DATA-DIR/credentials, generated on first start)")
	fs.BoolVar(&c.AcceptAnyCredentials, "accept-any-credentials", false, "accept any well-formed SigV4 signature without checking the secret (local development only)")
	fs.StringVar(&c.PolicyFile, "policy-file", "", "JSON file of users and their IAM policies; re-read on SIGHUP and when it changes (default: every key may do everything)")
	fs.StringVar(&c.AuditLog, "audit-log", "", "append audit events (JSON lines) to this file, reopened on SIGHUP; - = stderr; empty = off")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); serves TLS 1.2+")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&c.TLSSelfSigned, "tls-self-signed", false, "create a CA and server certificate in DATA-DIR/tls and serve TLS with them")
	fs.StringVar(&o.tlsHosts, "tls-hosts", "", "extra comma-separated host names/IPs for the self-signed certificate")
	fs.StringVar(&c.Region, "region", "us-east-1", "region in ARNs and SigV4 scopes")
	fs.StringVar(&c.AccountID, "account-id", "123456789012", "12-digit account id in ARNs")
	fs.StringVar(&c.Partition, "partition", "aws", "partition in ARNs")
	fs.IntVar(&c.MaxOpenTunnels, "max-open-tunnels", 10000, "open-tunnel quota (-1 = unlimited)")
	fs.IntVar(&c.MaxServices, "max-services", 3, "services per tunnel")
	fs.IntVar(&c.MaxTags, "max-tags", 200, "tags per tunnel")
	fs.DurationVar(&c.ClosedRetention, "closed-retention", 3*time.Hour, "how long closed tunnels stay visible")
	fs.Float64Var(&c.APIRateLimit, "api-rate-limit", 0, "API requests per second per access key (0 = off)")
	fs.Float64Var(&c.ConnectRate, "connect-rate", 10, "data-plane connection attempts per second per tunnel")
	fs.Int64Var(&c.TunnelBandwidth, "tunnel-bandwidth", 0, "bytes per second per tunnel (0 = unlimited)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 30*time.Minute, "close a data-plane peer that sends nothing for this long")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "bound on graceful shutdown")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", 30*time.Second, "close an HTTP request whose headers and body take longer than this to arrive")
	fs.IntVar(&c.MaxUnauthConns, "max-unauthenticated-conns", 0, "per listener, connections not yet authenticated beyond which new ones are closed (0 = a quarter of the open-file limit, at most 1024; -1 = no cap)")
	fs.StringVar(&c.MQTTListen, "mqtt-listen", "127.0.0.1:1883", "embedded MQTT broker address HOST:PORT for device notifications; off = no embedded broker")
	fs.StringVar(&c.MQTTURL, "mqtt-url", "", "publish device notifications to this external broker instead (mqtt://user:pass@host:1883 or mqtts://host:8883)")
	fs.StringVar(&c.MQTTUsername, "mqtt-username", "", "MQTT username sent to the external broker; on the embedded broker a legacy shared login that can read every device's notifications")
	fs.StringVar(&c.MQTTPassword, "mqtt-password", "", "MQTT password (prefer TUNNELD_MQTT_PASSWORD)")
	fs.StringVar(&c.MQTTDevicesFile, "mqtt-devices", "", "device identity file of the embedded broker (default DATA-DIR/mqtt-devices.json; edit with `tunneld device`)")
	fs.StringVar(&c.MQTTClientCA, "mqtt-client-ca", "", "CA bundle (PEM): with --mqtt-tls, devices may log in with a client certificate it signed, as the thing its CN/DNS SAN names")
	fs.BoolVar(&c.MQTTAllowAnonymous, "mqtt-allow-anonymous", false, "let clients without credentials connect to the embedded broker and read every notification (development only)")
	fs.IntVar(&c.MQTTMaxConnections, "mqtt-max-connections", 10000, "cap on the embedded broker's open connections")
	fs.BoolVar(&c.MQTTTLS, "mqtt-tls", false, "serve the embedded broker over TLS with tunneld's certificate")
	fs.StringVar(&c.MQTTCA, "mqtt-ca", "", "CA bundle (PEM) for the external broker")
	fs.StringVar(&c.MQTTCert, "mqtt-cert", "", "client certificate (PEM) for the external broker (mutual TLS)")
	fs.StringVar(&c.MQTTKey, "mqtt-key", "", "client private key (PEM) for the external broker")
	fs.StringVar(&c.MQTTClientID, "mqtt-client-id", "", "client id at the external broker (default tunneld-<random>)")
	fs.StringVar(&c.MQTTTopic, "mqtt-topic", "$aws/things/%s/tunnels/notify", "notify topic format; %s is the thing name")
	fs.StringVar(&c.NodeID, "node-id", "", "this node's name in a cluster (several tunneld on one PostgreSQL); default HOSTNAME-PORT")
	fs.StringVar(&c.ClusterAdvertise, "cluster-advertise", "", "HOST:PORT other nodes reach this node's data plane on (default: the bound listen address)")
	fs.StringVar(&c.ClusterSecret, "cluster-secret", "", "shared secret (16+ bytes, the same on every node) that authenticates peers forwarded between nodes (prefer TUNNELD_CLUSTER_SECRET)")
	fs.StringVar(&c.ClusterCA, "cluster-ca", "", "CA bundle (PEM) for mutual TLS between nodes: verifies their certificates, and forwarded peers must come with a client certificate it signed (default: not verified; the secret authenticates nodes)")
	fs.DurationVar(&c.ClusterLease, "cluster-lease", 3*time.Second, "how long a node that stops heartbeating keeps its tunnels before a live node takes them over")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.pprof, "pprof-listen", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty = off")
	return fs
}

// parseOptions applies the command line, then the environment and the
// config file to every flag the command line left unset.
func parseOptions(args []string, getenv func(string) string, out io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, out)
	if err := flagconf.Parse(fs, args, "TUNNELD_", getenv); err != nil {
		return nil, err
	}
	o.cfg.AdminAccessKeyID = getenv("TUNNELD_ACCESS_KEY_ID")
	o.cfg.AdminSecretAccessKey = getenv("TUNNELD_SECRET_ACCESS_KEY")
	if o.tlsHosts != "" {
		o.cfg.TLSHosts = strings.Split(o.tlsHosts, ",")
	}
	return o, nil
}
