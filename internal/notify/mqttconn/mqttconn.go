// Package mqttconn turns a broker URL, credentials and TLS files into an
// autopaho (MQTT v5) client configuration. tunneld's publisher and
// tunnelagent share it so that both accept the same URLs.
package mqttconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// Config describes one broker connection. Zero values mean the documented
// defaults.
type Config struct {
	// URL is the broker: mqtt://[user:pass@]host[:1883] or
	// mqtts://[user:pass@]host[:8883] (tls:// and ssl:// are synonyms;
	// ws:// and wss:// are accepted too). Required.
	URL string
	// ClientID is the MQTT client identifier. Required.
	ClientID string
	// Username and Password, when set, override the URL's user info.
	Username string
	Password string
	// CAFile is a PEM bundle the broker certificate must chain to
	// (default: the system roots).
	CAFile string
	// CertFile and KeyFile are a client certificate for mutual TLS
	// (AWS IoT Core style).
	CertFile string
	KeyFile  string
	// KeepAlive is the MQTT keep-alive (default 30 s).
	KeepAlive time.Duration
	// SessionExpiry keeps the session on the broker across disconnects
	// (0 = a clean session ending with the connection).
	SessionExpiry time.Duration
	// MaxReconnectDelay caps the reconnect backoff, which starts at 100 ms
	// (default 5 s).
	MaxReconnectDelay time.Duration
	// Logger receives connection errors; nil discards them.
	Logger *slog.Logger
}

// ClientConfig returns the autopaho configuration for c. The caller adds
// OnConnectionUp and OnPublishReceived as needed.
func (c Config) ClientConfig() (autopaho.ClientConfig, error) {
	u, err := c.brokerURL()
	if err != nil {
		return autopaho.ClientConfig{}, err
	}
	if c.ClientID == "" {
		return autopaho.ClientConfig{}, errors.New("mqtt client id is required")
	}
	tlsCfg, err := c.tlsConfig(u.Hostname())
	if err != nil {
		return autopaho.ClientConfig{}, err
	}
	keep := c.KeepAlive
	if keep <= 0 {
		keep = 30 * time.Second
	}
	maxDelay := c.MaxReconnectDelay
	if maxDelay <= 100*time.Millisecond {
		maxDelay = 5 * time.Second
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cc := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		TlsCfg:                        tlsCfg,
		KeepAlive:                     uint16(keep / time.Second),
		CleanStartOnInitialConnection: c.SessionExpiry == 0,
		SessionExpiryInterval:         uint32(c.SessionExpiry / time.Second),
		ReconnectBackoff:              autopaho.NewExponentialBackoff(100*time.Millisecond, maxDelay, 200*time.Millisecond, 2),
		ConnectTimeout:                10 * time.Second,
		OnConnectError: func(err error) {
			log.Warn("mqtt connect failed", "broker", Redact(u), "err", err)
		},
		ClientConfig: paho.ClientConfig{ClientID: c.ClientID},
	}
	user, pass := u.User.Username(), ""
	if p, ok := u.User.Password(); ok {
		pass = p
	}
	if c.Username != "" {
		user, pass = c.Username, c.Password
	}
	cc.ConnectUsername, cc.ConnectPassword = user, []byte(pass)
	return cc, nil
}

// brokerURL parses c.URL and adds the default port of its scheme.
func (c Config) brokerURL() (*url.URL, error) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mqtt url %q: want mqtt://host:port or mqtts://host:port", redactString(c.URL))
	}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "mqtt", "tcp":
		port = "1883"
	case "mqtts", "tls", "ssl":
		port = "8883"
	case "ws":
		port = "80"
	case "wss":
		port = "443"
	default:
		return nil, fmt.Errorf("mqtt url: unsupported scheme %q (want mqtt, mqtts, tls, ws or wss)", u.Scheme)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, nil
}

func (c Config) tlsConfig(host string) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt ca: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt ca %s: no PEM certificates", c.CAFile)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("mqtt cert and key must be given together")
	}
	if c.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt client certificate: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	return t, nil
}

// Redact returns u as a string without its password, for logs.
func Redact(u *url.URL) string { return u.Redacted() }

func redactString(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}
