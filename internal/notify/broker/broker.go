// Package broker is the MQTT broker embedded in tunneld (mochi-mqtt,
// MQTT 3.1.1 and 5). Devices subscribe to their notify topic on it; only
// tunneld itself publishes, through the in-process inline client.
package broker

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Config configures the embedded broker.
type Config struct {
	// Listen is the TCP address HOST:PORT (port 0 picks a free port).
	// Required.
	Listen string
	// Username and Password, when set, are required from every client;
	// when empty, any client may connect.
	Username string
	Password string
	// TLS, when set, serves MQTT over TLS (mqtts://) with it.
	TLS *tls.Config
	// AllowClientPublish lets network clients publish (default false:
	// clients may only subscribe, so no device can forge a notification).
	AllowClientPublish bool
	// Logger receives the broker's errors; nil discards them.
	Logger *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv  *mqtt.Server
	ln   *listeners.TCP
	once sync.Once
	err  error
}

// Start binds cfg.Listen and serves MQTT until Close.
func Start(cfg Config) (*Broker, error) {
	if cfg.Listen == "" {
		return nil, errors.New("mqtt broker: listen address is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Logger: slog.New(errorsOnly{cfg.Logger.Handler()})})
	if err := srv.AddHook(&authHook{cfg: cfg}, nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	ln := listeners.NewTCP(listeners.Config{Type: listeners.TypeTCP, ID: "tcp", Address: cfg.Listen, TLSConfig: cfg.TLS})
	if err := srv.AddListener(ln); err != nil {
		srv.Close()
		return nil, fmt.Errorf("mqtt broker listen: %w", err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	return &Broker{srv: srv, ln: ln}, nil
}

// Addr returns the address the broker listens on.
func (b *Broker) Addr() string { return b.ln.Address() }

// Publish delivers payload to the topic's subscribers (and queues it in
// persistent sessions of disconnected ones, for QoS > 0).
func (b *Broker) Publish(topic string, payload []byte, retain bool, qos byte) error {
	return b.srv.Publish(topic, payload, retain, qos)
}

// Close disconnects every client and stops the broker. Further calls
// return the first call's result.
func (b *Broker) Close() error {
	b.once.Do(func() { b.err = b.srv.Close() })
	return b.err
}

// authHook checks the username and password and keeps network clients
// from publishing.
type authHook struct {
	mqtt.HookBase
	cfg Config
}

// ID names the hook.
func (h *authHook) ID() string { return "adit-auth" }

// Provides reports the hook methods implemented.
func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck}, []byte{b})
}

// OnConnectAuthenticate accepts a client with the configured credentials.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if h.cfg.Username == "" && h.cfg.Password == "" {
		return true
	}
	u := subtle.ConstantTimeCompare(pk.Connect.Username, []byte(h.cfg.Username))
	p := subtle.ConstantTimeCompare(pk.Connect.Password, []byte(h.cfg.Password))
	return u&p == 1
}

// OnACLCheck allows every subscription and refuses publishing unless
// AllowClientPublish is set.
func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	return !write || h.cfg.AllowClientPublish
}

// errorsOnly passes on records at Error level and above: mochi logs every
// client disconnect as a warning.
type errorsOnly struct{ slog.Handler }

// Enabled reports whether level is at least Error.
func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

// WithAttrs keeps the filter.
func (h errorsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return errorsOnly{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the filter.
func (h errorsOnly) WithGroup(n string) slog.Handler { return errorsOnly{h.Handler.WithGroup(n)} }
