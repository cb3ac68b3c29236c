package server

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/notify/notifymsg"

	"github.com/adit-project/adit/internal/notify"
	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/mqttconn"
)

// mqttState is the notification side of the server: the publisher the API
// calls, and the embedded broker's address once it listens.
type mqttState struct {
	pub   *notify.Publisher // nil when notifications are off
	ready chan struct{}     // closed once Serve started (or skipped) the broker
	addr  string            // embedded broker address; written before ready closes
	b     *broker.Broker    // embedded broker; written before ready closes
}

// MQTTDevicesPath is the embedded broker's device file: MQTTDevicesFile, else
// DATA-DIR/mqtt-devices.json (DataDir "" means "./data").
func (c *Config) MQTTDevicesPath() string {
	if c.MQTTDevicesFile != "" {
		return c.MQTTDevicesFile
	}
	dir := c.DataDir
	if dir == "" {
		dir = "./data"
	}
	return filepath.Join(dir, "mqtt-devices.json")
}

// mqttEmbedded reports whether the embedded broker is configured.
func (c *Config) mqttEmbedded() bool {
	return c.MQTTURL == "" && c.MQTTListen != "" && c.MQTTListen != "off"
}

func (c *Config) validateMQTT() []error {
	var errs []error
	if c.mqttEmbedded() {
		if _, _, err := net.SplitHostPort(c.MQTTListen); err != nil {
			errs = append(errs, fmt.Errorf("mqtt-listen %q: want HOST:PORT or off", c.MQTTListen))
		}
	}
	if c.MQTTClientCA != "" && (!c.mqttEmbedded() || !c.MQTTTLS) {
		errs = append(errs, errors.New("mqtt-client-ca needs the embedded broker with mqtt-tls"))
	}
	if c.MQTTMaxConnections < 0 {
		errs = append(errs, errors.New("mqtt-max-connections must not be negative"))
	}
	if c.MQTTTLS && c.TLSCert == "" && !c.TLSSelfSigned {
		errs = append(errs, errors.New("mqtt-tls needs tls-cert/tls-key or tls-self-signed"))
	}
	if c.MQTTURL != "" {
		if _, err := (mqttconn.Config{URL: c.MQTTURL, ClientID: "x", CAFile: c.MQTTCA, CertFile: c.MQTTCert, KeyFile: c.MQTTKey}).ClientConfig(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MQTTTopic != "" {
		if err := notifymsg.CheckTopicFormat(c.MQTTTopic); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// buildMQTT creates the publisher the API notifies, when a broker is
// configured.
func (s *Server) buildMQTT() error {
	s.mq.ready = make(chan struct{})
	if !s.cfg.mqttEmbedded() && s.cfg.MQTTURL == "" {
		return nil
	}
	pub, err := notify.New(notify.Config{Topic: s.cfg.MQTTTopic, Logger: s.log.With("component", "mqtt")})
	if err != nil {
		return err
	}
	s.mq.pub = pub
	return nil
}

// startMQTT starts the embedded broker or the external-broker client, and
// the publisher, as goroutines in wg that end with ctx. On error nothing
// is left running.
func (s *Server) startMQTT(ctx context.Context, wg *sync.WaitGroup) error {
	defer close(s.mq.ready)
	if s.mq.pub == nil {
		return nil
	}
	log := s.log.With("component", "mqtt")
	if s.cfg.MQTTURL != "" {
		cl, err := notify.Dial(ctx, mqttconn.Config{URL: s.cfg.MQTTURL, ClientID: s.mqttClientID(),
			Username: s.cfg.MQTTUsername, Password: s.cfg.MQTTPassword,
			CAFile: s.cfg.MQTTCA, CertFile: s.cfg.MQTTCert, KeyFile: s.cfg.MQTTKey, Logger: log})
		if err != nil {
			return err
		}
		wg.Go(func() {
			s.mq.pub.Run(ctx, cl)
			<-cl.Done()
		})
		log.Info("publishing device notifications to an external MQTT broker")
		return nil
	}
	bcfg, err := s.brokerConfig(log)
	if err != nil {
		return err
	}
	b, err := broker.Start(bcfg)
	if err != nil {
		return err
	}
	s.mq.addr, s.mq.b = b.Addr(), b
	wg.Go(func() {
		s.mq.pub.Run(ctx, notify.BrokerSender{B: b})
		b.Close()
	})
	log.Info("embedded MQTT broker listening", "addr", s.mq.addr, "tls", bcfg.TLS != nil,
		"client_certificates", bcfg.ClientCAs != nil, "devices_file", bcfg.DevicesFile)
	if bcfg.AllowAnonymous {
		log.Warn("embedded MQTT broker admits anonymous clients, and they can read every device's notifications (mqtt-allow-anonymous); use it for development only")
	}
	if bcfg.Username != "" {
		log.Warn("the shared mqtt-username login can read every device's notifications; give each device its own identity (tunneld device add)")
	}
	return nil
}

// brokerConfig is the embedded broker's configuration.
func (s *Server) brokerConfig(log *slog.Logger) (broker.Config, error) {
	c := s.cfg
	bcfg := broker.Config{Listen: c.MQTTListen, Topic: c.MQTTTopic, DevicesFile: c.MQTTDevicesPath(),
		Username: c.MQTTUsername, Password: c.MQTTPassword, AllowAnonymous: c.MQTTAllowAnonymous,
		MaxConnections: c.MQTTMaxConnections, Logger: log}
	bcfg.OnAuthFailure = func(f broker.AuthFailure) {
		s.recordMQTTAuthFailure(f)
		if c.OnMQTTAuthFailure != nil {
			c.OnMQTTAuthFailure(f)
		}
	}
	if c.MQTTTLS {
		bcfg.TLS = s.tls
	}
	if c.MQTTClientCA != "" {
		pem, err := os.ReadFile(c.MQTTClientCA)
		if err != nil {
			return bcfg, fmt.Errorf("mqtt-client-ca: %w", err)
		}
		bcfg.ClientCAs = x509.NewCertPool()
		if !bcfg.ClientCAs.AppendCertsFromPEM(pem) {
			return bcfg, fmt.Errorf("mqtt-client-ca %s: no PEM certificates", c.MQTTClientCA)
		}
	}
	return bcfg, nil
}

// ReloadMQTTDevices re-reads the embedded broker's device file (call it on
// SIGHUP); it also happens by itself within a second of the file changing.
// Clients whose credential was revoked or changed are disconnected. An
// invalid file is returned as an error and the previous one stays in
// force. Without an embedded broker it does nothing.
func (s *Server) ReloadMQTTDevices() error {
	select {
	case <-s.mq.ready:
	default:
		return nil
	}
	if s.mq.b == nil {
		return nil
	}
	return s.mq.b.Reload()
}

func (s *Server) mqttClientID() string {
	if s.cfg.MQTTClientID != "" {
		return s.cfg.MQTTClientID
	}
	var b [6]byte
	rand.Read(b[:])
	return "tunneld-" + hex.EncodeToString(b[:])
}

// MQTTAddr returns the embedded broker's listen address, or "" when it is
// off. Call it after Serve has been started: it waits (up to 30 s) until
// Serve has bound the broker.
func (s *Server) MQTTAddr() string {
	select {
	case <-s.mq.ready:
		return s.mq.addr
	case <-time.After(30 * time.Second):
		return ""
	}
}
