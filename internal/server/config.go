package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"time"

	"github.com/adit-project/adit/internal/notify/broker"
)

// Config is everything tunneld needs. The zero value of each field means
// its documented default; New validates the rest.
type Config struct {
	// Listen is the address of the API and data-plane listener
	// (default "127.0.0.1:8080").
	Listen string
	// DataListen, when set, moves the data plane (/tunnel) to its own
	// listener; the main listener then serves only the API.
	DataListen string
	// DataDir holds the database, generated credentials and the
	// self-signed TLS files (default "./data").
	DataDir string
	// DatabaseURL, when set, keeps tunnels in that PostgreSQL database
	// (pgstore) instead of SQLite in DataDir; several nodes can share it.
	DatabaseURL string
	// CredentialsFile is an AWS shared-credentials file; every section is
	// one accepted access key. Empty means: the AdminKey if set, else
	// <DataDir>/credentials, created on first start.
	CredentialsFile string
	// AdminAccessKeyID and AdminSecretAccessKey give one admin key (from
	// the environment); used when CredentialsFile is empty.
	AdminAccessKeyID     string
	AdminSecretAccessKey string
	// AcceptAnyCredentials skips the secret check of SigV4 (local
	// development only); requests still need a well-formed signature.
	AcceptAnyCredentials bool
	// PolicyFile holds the users and their IAM policies (see
	// internal/policy). Empty: every accepted key may do everything.
	PolicyFile string
	// AuditLog is the audit log's path, "-" for stderr, "" for none.
	AuditLog string

	// TLSCert and TLSKey serve TLS 1.2+ with this certificate.
	TLSCert string
	TLSKey  string
	// TLSSelfSigned creates a CA and server certificate in
	// <DataDir>/tls and serves TLS with them.
	TLSSelfSigned bool
	// TLSHosts are extra host names or IPs for the self-signed server
	// certificate (localhost, 127.0.0.1, ::1 and the listen host are always
	// included).
	TLSHosts []string

	// Region (default "us-east-1"), AccountID (default "123456789012") and
	// Partition (default "aws") shape ARNs and the SigV4 scope check.
	Region    string
	AccountID string
	Partition string

	// MaxOpenTunnels is the open-tunnel quota (default 10000; -1 = none).
	MaxOpenTunnels int
	// MaxServices per tunnel (default 3).
	MaxServices int
	// MaxTags per tunnel (default 200).
	MaxTags int
	// ClosedRetention is how long closed tunnels stay visible (default 3h).
	ClosedRetention time.Duration
	// APIRateLimit is requests/s per access key (default 0 = off).
	APIRateLimit float64
	// ConnectRate is data-plane connection attempts/s per tunnel (default 10).
	ConnectRate float64
	// TunnelBandwidth is bytes/s per tunnel (default 0 = unlimited).
	TunnelBandwidth int64
	// IdleTimeout closes a data-plane peer silent this long (default 30m).
	IdleTimeout time.Duration
	// ShutdownTimeout bounds graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
	// BodyTimeout bounds the time to receive one HTTP request, headers and
	// body together, on either listener; a client that withholds or
	// trickles its body is closed then (default 30s). Upgraded data-plane
	// connections are not affected.
	BodyTimeout time.Duration
	// MaxUnauthConns caps, per listener, the connections that have not yet
	// authenticated (a SigV4-verified API request or a WebSocket upgrade);
	// beyond it new connections are closed at once. Default 0: a quarter
	// of the open-file limit, at most 1024; -1: no cap.
	MaxUnauthConns int

	// MQTTListen is the embedded MQTT broker's address HOST:PORT; "" or
	// "off" disables it (the zero value is off; tunneld's flag default is
	// "127.0.0.1:1883"). Port 0 picks a free port (see MQTTAddr).
	MQTTListen string
	// MQTTUsername and MQTTPassword are presented to the external broker;
	// on the embedded broker they are a legacy shared login that may read
	// every device's notifications (a warning is logged at start).
	MQTTUsername string
	MQTTPassword string
	// MQTTDevicesFile is the embedded broker's device identity file
	// (default <DataDir>/mqtt-devices.json; see `tunneld device`).
	MQTTDevicesFile string
	// MQTTClientCA is a PEM CA bundle: with MQTTTLS, the embedded broker
	// asks for client certificates and admits those it signed as the
	// thing they name.
	MQTTClientCA string
	// MQTTAllowAnonymous admits clients without credentials to the
	// embedded broker, able to read every notification (development only).
	MQTTAllowAnonymous bool
	// MQTTMaxConnections caps the embedded broker's open connections
	// (default 10000).
	MQTTMaxConnections int
	// OnMQTTAuthFailure, if set, is called for each login the embedded
	// broker refuses (it must not block).
	OnMQTTAuthFailure func(broker.AuthFailure)
	// MQTTTLS serves the embedded broker with tunneld's TLS certificate.
	MQTTTLS bool
	// MQTTURL publishes to an external broker instead of the embedded one
	// (mqtt://user:pass@host:1883 or mqtts://host:8883).
	MQTTURL string
	// MQTTCA, MQTTCert and MQTTKey are the external broker's CA bundle and
	// a client certificate for mutual TLS.
	MQTTCA   string
	MQTTCert string
	MQTTKey  string
	// MQTTClientID is the client id at the external broker (default
	// "tunneld-" and random hex).
	MQTTClientID string
	// MQTTTopic is the notify topic format, %s the thing name (default
	// "$aws/things/%s/tunnels/notify").
	MQTTTopic string

	// NodeID names this node when the store is shared by several nodes
	// (default: the host name and the advertised port).
	NodeID string
	// ClusterAdvertise is HOST:PORT where other nodes reach this node's
	// data-plane listener (default: its bound address, an unspecified host
	// replaced by the host name).
	ClusterAdvertise string
	// ClusterSecret authenticates nodes to each other when they forward
	// peers (at least 16 bytes; the same on every node). Without it the
	// peers of one tunnel meet only when they reach the same node.
	ClusterSecret string
	// ClusterCA verifies the TLS certificates of other nodes (PEM);
	// empty: not verified (the secret still authenticates them).
	ClusterCA string
	// ClusterLease is how long a node that stops heartbeating stays owner
	// of its tunnels (default 3s).
	ClusterLease time.Duration

	// Logger receives all logs (nil = discard).
	Logger *slog.Logger
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern    = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
)

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Listen, "127.0.0.1:8080")
	def(&c.DataDir, "./data")
	def(&c.Region, "us-east-1")
	def(&c.AccountID, "123456789012")
	def(&c.Partition, "aws")
	if c.MaxOpenTunnels == 0 {
		c.MaxOpenTunnels = 10000
	}
	if c.MaxServices == 0 {
		c.MaxServices = 3
	}
	if c.MaxTags == 0 {
		c.MaxTags = 200
	}
	if c.ClosedRetention == 0 {
		c.ClosedRetention = 3 * time.Hour
	}
	if c.ConnectRate == 0 {
		c.ConnectRate = 10
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	var errs []error
	for _, a := range []struct{ name, addr string }{{"listen", c.Listen}, {"data-listen", c.DataListen}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want HOST:PORT", a.name, a.addr))
		}
	}
	if !accountIDPattern.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account-id %q: want 12 digits", c.AccountID))
	}
	if !regionPattern.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q: want lowercase letters, digits and dashes", c.Region))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key must be given together"))
	}
	if c.TLSCert != "" && c.TLSSelfSigned {
		errs = append(errs, errors.New("tls-self-signed cannot be combined with tls-cert"))
	}
	if (c.AdminAccessKeyID == "") != (c.AdminSecretAccessKey == "") {
		errs = append(errs, errors.New("admin access key id and secret must be given together"))
	}
	if c.MaxServices < 1 || c.MaxTags < 1 || c.ConnectRate < 0 || c.APIRateLimit < 0 || c.TunnelBandwidth < 0 {
		errs = append(errs, errors.New("quotas must be positive (max-services, max-tags, connect-rate) or non-negative (api-rate-limit, tunnel-bandwidth)"))
	}
	if c.MaxUnauthConns < -1 {
		errs = append(errs, errors.New("max-unauthenticated-conns must be positive, 0 (automatic) or -1 (no cap)"))
	}
	if c.ClosedRetention < 0 || c.IdleTimeout < 0 || c.ShutdownTimeout < 0 || c.BodyTimeout < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	errs = append(errs, c.validateMQTT()...)
	errs = append(errs, c.validateCluster()...)
	return errors.Join(errs...)
}
