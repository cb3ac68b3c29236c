package proxyconf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/wire"
)

// settingsPrefix starts every key of the reference's settings JSON.
const settingsPrefix = "tunneling.proxy."

// settings is the subset of the reference's fine-grained settings
// (docs/PROTOCOL.md §4.2) that applies to this implementation.
type settings struct {
	BindAddress          string
	EndpointFormat       string
	RegionOverrides      map[string]string
	TCPRetryCount        int
	TCPRetryDelayMS      int
	MaxActiveConns       int
	PingPeriodMS         int
	WSRetryDelayMS       int // first reconnect backoff delay (doubles up to 30 s)
	WSConnectRetryCount  int // -1: unlimited
	ReconnectOnDataError bool
	Subprotocol          string
}

// defaultSettings returns the defaults. They are the reference's, except
// websocket.retry_delay_ms: here it is the first delay of an exponential
// backoff rather than a fixed delay.
func defaultSettings() settings {
	return settings{
		BindAddress:    localproxy.DefaultBindAddress,
		EndpointFormat: "data.tunneling.iot.%s.amazonaws.com",
		RegionOverrides: map[string]string{
			"cn-north-1":     "data.tunneling.iot.cn-north-1.amazonaws.com.cn",
			"cn-northwest-1": "data.tunneling.iot.cn-northwest-1.amazonaws.com.cn",
		},
		TCPRetryCount: localproxy.DefaultDialRetries, TCPRetryDelayMS: int(localproxy.DefaultDialRetryDelay / time.Millisecond),
		MaxActiveConns: localproxy.DefaultMaxConnsPerService, PingPeriodMS: int(localproxy.DefaultPingPeriod / time.Millisecond),
		WSRetryDelayMS: int(localproxy.DefaultReconnectDelay / time.Millisecond), WSConnectRetryCount: -1,
		ReconnectOnDataError: true, Subprotocol: wire.Subprotocol3,
	}
}

// fixedSettings are reference keys whose values are protocol constants
// here: accepted, and ignored with a warning if they differ.
var fixedSettings = map[string]int{
	"message.data_length_size":    2,
	"message.max_payload_size":    wire.MaxPayload,
	"message.max_size":            65536,
	"message.data_frame_max_size": 65538,
	"tcp.read_buffer_size":        wire.MaxWSMessage,
	"tcp.write_buffer_size":       wire.MaxWSMessage,
	"websocket.max_frame_size":    wire.MaxWSMessage,
	"websocket.read_buffer_size":  wire.MaxWSMessage,
	"websocket.write_buffer_size": wire.MaxWSMessage,
}

// loadSettings applies a settings JSON file (nested objects or dotted
// keys; values as JSON numbers, booleans or strings) to s. Unknown keys
// produce a warning.
func loadSettings(path string, s *settings, warn func(string)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var tree map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&tree); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	flat := map[string]string{}
	flatten("", tree, flat)
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.set(k, flat[k], warn); err != nil {
			return fmt.Errorf("%s: %s: %w", path, k, err)
		}
	}
	return nil
}

func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flatten(prefix+k+".", x, out)
		}
	default:
		out[strings.TrimSuffix(prefix, ".")] = fmt.Sprint(v)
	}
}

// set applies one key.
func (s *settings) set(key, val string, warn func(string)) error {
	k, ok := strings.CutPrefix(key, settingsPrefix)
	if !ok {
		warn("unknown setting " + key + " ignored")
		return nil
	}
	if region, ok := strings.CutPrefix(k, "region_endpoint_overrides."); ok {
		s.RegionOverrides[region] = val
		return nil
	}
	if want, ok := fixedSettings[k]; ok {
		if val != strconv.Itoa(want) {
			warn(fmt.Sprintf("setting %s is fixed at %d in this implementation; %s ignored", key, want, val))
		}
		return nil
	}
	ints := map[string]*int{
		"tcp.connection_retry_count": &s.TCPRetryCount, "tcp.connection_retry_delay_ms": &s.TCPRetryDelayMS,
		"tcp.max_active_connections": &s.MaxActiveConns, "websocket.ping_period_ms": &s.PingPeriodMS,
		"websocket.retry_delay_ms": &s.WSRetryDelayMS, "websocket.connect_retry_count": &s.WSConnectRetryCount,
	}
	switch {
	case ints[k] != nil:
		n, err := strconv.Atoi(val)
		if err != nil || n < -1 || (n < 1 && k != "websocket.connect_retry_count" && k != "tcp.connection_retry_count") {
			return fmt.Errorf("invalid value %q", val)
		}
		*ints[k] = n
	case k == "default_bind_address":
		s.BindAddress = val
	case k == "endpoint_format":
		if strings.Count(val, "%s") != 1 {
			return fmt.Errorf("want exactly one %%s in %q", val)
		}
		s.EndpointFormat = val
	case k == "websocket.reconnect_on_data_error":
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("invalid value %q", val)
		}
		s.ReconnectOnDataError = b
	case k == "websocket.subprotocol":
		if v := wire.Version(val); v == 0 || val == wire.Subprotocol1Alias {
			return fmt.Errorf("unsupported subprotocol %q", val)
		}
		s.Subprotocol = val
	default:
		warn("unknown setting " + key + " ignored")
	}
	return nil
}

// apply copies the settings into cfg.
func (s *settings) apply(cfg *localproxy.Config) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	cfg.DialRetries = s.TCPRetryCount
	if s.TCPRetryCount == 0 {
		cfg.DialRetries = -1
	}
	cfg.DialRetryDelay = ms(s.TCPRetryDelayMS)
	cfg.MaxConnsPerService = s.MaxActiveConns
	cfg.PingPeriod = ms(s.PingPeriodMS)
	cfg.ReconnectDelay = ms(s.WSRetryDelayMS)
	cfg.MaxReconnectDelay = max(localproxy.DefaultMaxReconnectDelay, cfg.ReconnectDelay)
	cfg.MaxConnectAttempts = 0
	if s.WSConnectRetryCount >= 0 {
		cfg.MaxConnectAttempts = s.WSConnectRetryCount + 1
	}
	cfg.ExitOnDataError = !s.ReconnectOnDataError
	cfg.Subprotocol = s.Subprotocol
}

// ExportDefaultSettings writes the default settings as JSON to path, in
// the nested layout of the reference's --export-default-settings.
func ExportDefaultSettings(path string) error {
	s := defaultSettings()
	proxy := map[string]any{
		"default_bind_address":      s.BindAddress,
		"endpoint_format":           s.EndpointFormat,
		"region_endpoint_overrides": s.RegionOverrides,
		"tcp": map[string]any{"connection_retry_count": s.TCPRetryCount,
			"connection_retry_delay_ms": s.TCPRetryDelayMS, "max_active_connections": s.MaxActiveConns},
		"websocket": map[string]any{"ping_period_ms": s.PingPeriodMS, "retry_delay_ms": s.WSRetryDelayMS,
			"connect_retry_count": s.WSConnectRetryCount, "reconnect_on_data_error": s.ReconnectOnDataError,
			"subprotocol": s.Subprotocol},
	}
	for k, v := range fixedSettings {
		group, name, _ := strings.Cut(k, ".")
		m, _ := proxy[group].(map[string]any)
		if m == nil {
			m = map[string]any{}
			proxy[group] = m
		}
		m[name] = v
	}
	b, err := json.MarshalIndent(map[string]any{"tunneling": map[string]any{"proxy": proxy}}, "", "    ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
