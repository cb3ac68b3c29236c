// Package broker is the MQTT broker embedded in tunneld (mochi-mqtt,
// MQTT 3.1.1 and 5). Devices log in as their thing (password from the
// device file, or a client certificate) and may subscribe only to their
// own notify topic; only tunneld itself publishes, through the in-process
// inline client. The broker bounds packet size, per-client memory and
// open connections (see limits.go). docs/PROTOCOL.md §2.1 and D22 describe
// the identities and the topic ACL.
package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
)

// Config configures the embedded broker.
type Config struct {
	// Listen is the TCP address HOST:PORT (port 0 picks a free port).
	// Required.
	Listen string
	// Topic is the notify topic format, %s the thing name (default
	// notifymsg.DefaultTopic): a device may subscribe to its own only.
	Topic string
	// DevicesFile is the device identity file (see package devices); ""
	// means no device passwords. It is re-read when it changes (polled
	// every ReloadInterval) and on Reload.
	DevicesFile string
	// ReloadInterval is the devices file poll interval (default 1 s;
	// negative: no polling, Reload only).
	ReloadInterval time.Duration
	// ClientCAs, with TLS, makes the broker ask for client certificates;
	// one that chains to these CAs logs in as the thing it names.
	ClientCAs *x509.CertPool
	// Username and Password are the legacy shared login: whoever holds it
	// may subscribe to every topic, i.e. read every device's
	// notifications. Empty: no shared login.
	Username string
	Password string
	// AllowAnonymous admits clients without any credential, with the same
	// read-everything rights as the shared login (development only).
	AllowAnonymous bool
	// TLS, when set, serves MQTT over TLS (mqtts://) with it.
	TLS *tls.Config
	// AllowClientPublish lets network clients publish (default false:
	// clients may only subscribe, so no device can forge a notification).
	// For tests only.
	AllowClientPublish bool
	// MaxConnections caps open network connections (default
	// DefaultMaxConnections).
	MaxConnections int
	// OnAuthFailure, if set, is called for each refused login (from the
	// client's goroutine; it must not block).
	OnAuthFailure func(AuthFailure)
	// Logger receives the broker's errors; nil discards them.
	Logger *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	cfg  Config
	srv  *mqtt.Server
	ln   *limitListener
	ml   *mqttListener
	hook *authHook
	m    counters

	reloadMu sync.Mutex
	stamp    fileStamp // of the devices file in force; guarded by reloadMu
	closed   bool      // guarded by reloadMu; no Reload after Close

	stop     context.CancelFunc
	watching sync.WaitGroup
	once     sync.Once
	err      error
}

func (c *Config) check() error {
	if c.Listen == "" {
		return errors.New("mqtt broker: listen address is required")
	}
	if c.ClientCAs != nil && c.TLS == nil {
		return errors.New("mqtt broker: client certificates need TLS")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.ReloadInterval == 0 {
		c.ReloadInterval = time.Second
	}
	return nil
}

// Start binds cfg.Listen and serves MQTT until Close. A devices file that
// cannot be read or is invalid is an error.
func Start(cfg Config) (*Broker, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	b := &Broker{cfg: cfg}
	set, stamp, err := b.load()
	if err != nil {
		return nil, fmt.Errorf("mqtt devices file: %w", err)
	}
	b.stamp = stamp
	b.hook = newAuthHook(cfg, &b.m, set)
	b.srv = mqtt.New(&mqtt.Options{InlineClient: true, Capabilities: capabilities(cfg.MaxConnections),
		Logger: slog.New(errorsOnly{cfg.Logger.Handler()})})
	if err := b.srv.AddHook(b.hook, nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if err := b.listen(); err != nil {
		b.srv.Close()
		return nil, err
	}
	if err := b.srv.Serve(); err != nil {
		b.srv.Close()
		b.ln.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	b.stop = stop
	if cfg.DevicesFile != "" && cfg.ReloadInterval > 0 {
		b.watching.Go(func() { b.watch(ctx) })
	}
	return b, nil
}

// listen binds the capped (and, with TLS, encrypting) listener.
func (b *Broker) listen() error {
	raw, err := net.Listen("tcp", b.cfg.Listen)
	if err != nil {
		return fmt.Errorf("mqtt broker listen: %w", err)
	}
	b.ln = newLimitListener(raw, b.cfg.MaxConnections, func() { b.m.connsRefused.Add(1) })
	var ln net.Listener = b.ln
	if b.cfg.TLS != nil {
		t := b.cfg.TLS.Clone()
		if b.cfg.ClientCAs != nil {
			// Verified in the auth hook, so that a bad certificate is a
			// reported login failure rather than a silent handshake error.
			t.ClientAuth = tls.RequestClientCert
		}
		ln = tls.NewListener(b.ln, t)
	}
	b.ml = &mqttListener{id: "tcp", ln: ln, cap: b.ln}
	if err := b.srv.AddListener(b.ml); err != nil {
		raw.Close()
		return fmt.Errorf("mqtt broker listen: %w", err)
	}
	return nil
}

// Addr returns the address the broker listens on.
func (b *Broker) Addr() string { return b.ln.Addr().String() }

// Publish delivers payload to the topic's subscribers (and queues it in
// persistent sessions of disconnected ones, for QoS > 0).
func (b *Broker) Publish(topic string, payload []byte, retain bool, qos byte) error {
	return b.srv.Publish(topic, payload, retain, qos)
}

// Close disconnects every client and stops the broker. Further calls
// return the first call's result.
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.stop()
		b.reloadMu.Lock()
		b.closed = true
		b.reloadMu.Unlock()
		b.watching.Wait() // the poller and disconnects started by Reload
		b.ml.shutdown(b.srv)
		b.err = b.srv.Close()
	})
	return b.err
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
