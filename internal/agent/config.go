package agent

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/notify/mqttconn"
	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// Config configures an Agent. Zero values mean the documented defaults.
type Config struct {
	// MQTT is the broker connection. ClientID defaults to
	// "tunnelagent-<ThingName>"; SessionExpiry defaults to 24 h (a
	// persistent session, so QoS 1 notifications sent while the agent is
	// offline are delivered when it reconnects).
	MQTT mqttconn.Config
	// ThingName is the device's thing name. Required.
	ThingName string
	// Topic is the notify topic format, %s the thing name (default
	// notifymsg.DefaultTopic).
	Topic string
	// Endpoint is the data-plane base URL, wss://host[:port] or
	// ws://host[:port]. The notification's region is ignored. Required.
	Endpoint string
	// TLS verifies the data plane (nil: system roots).
	TLS *tls.Config
	// Services maps tunnel service ids to local endpoints (default
	// DefaultServices). The agent never connects anywhere else.
	Services []localproxy.Service
	// MaxTunnels bounds the tunnels served at once (default 10).
	MaxTunnels int
	// MaxPayload bounds a notification's size (default 64 KiB).
	MaxPayload int
	// QueueSize bounds notifications waiting to be handled (default 64);
	// beyond it they are dropped with a log line.
	QueueSize int
	// Proxy is the template of each session's localproxy.Config; the agent
	// sets Mode, Endpoint, AccessToken, ClientToken, Services, TLS, Logger
	// and OnConnected.
	Proxy localproxy.Config
	// Logger receives the log; nil discards it. Tokens are never logged.
	Logger *slog.Logger
	// OnEvent, if set, is called for each Event (from the agent's
	// goroutines; it must not block).
	OnEvent func(Event)
}

// DefaultServices are the AWS IoT Device Client's defaults.
var DefaultServices = []localproxy.Service{{ID: "SSH", Addr: "22"}, {ID: "VNC", Addr: "5900"}}

// Defaults of Config.
const (
	DefaultMaxTunnels    = 10
	DefaultMaxPayload    = 64 << 10
	DefaultQueueSize     = 64
	DefaultSessionExpiry = 24 * time.Hour
)

func (c Config) withDefaults() (Config, error) {
	if c.ThingName == "" || strings.ContainsAny(c.ThingName, "+#/") {
		return c, errors.New("thing name is required and must not contain +, # or /")
	}
	if c.Endpoint == "" {
		return c, errors.New("data-plane endpoint is required")
	}
	if c.Topic == "" {
		c.Topic = notifymsg.DefaultTopic
	}
	if err := notifymsg.CheckTopicFormat(c.Topic); err != nil {
		return c, err
	}
	if c.MQTT.ClientID == "" {
		c.MQTT.ClientID = "tunnelagent-" + c.ThingName
	}
	if c.MQTT.SessionExpiry == 0 {
		c.MQTT.SessionExpiry = DefaultSessionExpiry
	}
	if len(c.Services) == 0 {
		c.Services = DefaultServices
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxTunnels, DefaultMaxTunnels)
	def(&c.MaxPayload, DefaultMaxPayload)
	def(&c.QueueSize, DefaultQueueSize)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MQTT.Logger == nil {
		c.MQTT.Logger = c.Logger
	}
	return c, nil
}

// ParseServiceMap parses localproxy's -d grammar: "SSH=22,HTTP=127.0.0.1:8080,DB=/run/db.sock";
// a single item without "=" (e.g. "22") serves any single-service tunnel.
// Endpoints are a port (on 127.0.0.1), host:port, or a Unix socket path.
func ParseServiceMap(s string) ([]localproxy.Service, error) {
	var items []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, errors.New("empty service map")
	}
	if len(items) == 1 && !strings.Contains(items[0], "=") {
		return []localproxy.Service{{Addr: items[0]}}, checkEndpoint(items[0])
	}
	out := make([]localproxy.Service, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		id, ep, ok := strings.Cut(it, "=")
		id, ep = strings.TrimSpace(id), strings.TrimSpace(ep)
		if !ok || !localproxy.ValidServiceID(id) || ep == "" || strings.Contains(ep, "=") {
			return nil, fmt.Errorf("service map item %q: want SERVICE=endpoint (example: SSH=22,HTTP=127.0.0.1:8080)", it)
		}
		if seen[id] {
			return nil, fmt.Errorf("service map: duplicate service %q", id)
		}
		seen[id] = true
		if err := checkEndpoint(ep); err != nil {
			return nil, fmt.Errorf("service %s: %w", id, err)
		}
		out = append(out, localproxy.Service{ID: id, Addr: ep})
	}
	return out, nil
}

// checkEndpoint accepts "port", "host:port" or a Unix socket path.
func checkEndpoint(ep string) error {
	if strings.Contains(ep, "/") {
		return nil
	}
	port := ep
	if strings.Contains(ep, ":") {
		var err error
		if _, port, err = net.SplitHostPort(ep); err != nil {
			return fmt.Errorf("endpoint %q: %v", ep, err)
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
		return fmt.Errorf("endpoint %q: invalid port (want 1..65535)", ep)
	}
	return nil
}
