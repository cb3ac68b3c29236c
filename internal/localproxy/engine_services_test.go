package localproxy

import (
	"errors"
	"reflect"
	"testing"

	"github.com/adit-project/adit/internal/tunnel"
)

func TestMapServices(t *testing.T) {
	src, dst := tunnel.ModeSource, tunnel.ModeDestination
	cases := []struct {
		name     string
		mode     tunnel.Mode
		ct       ClientType
		services []Service
		fallback []Service
		ids      []string
		want     []resolved // nil: a *ServiceMismatchError
	}{
		{"v1_format_one_service", src, ClientV3, []Service{{"", "5555"}}, nil, []string{"SSH"},
			[]resolved{{"SSH", "SSH", "tcp", "127.0.0.1:5555"}}},
		{"v1_format_no_services", dst, ClientV3, []Service{{"", "22"}}, nil, nil,
			[]resolved{{"", "", "tcp", "127.0.0.1:22"}}},
		{"v1_format_two_services", src, ClientV3, []Service{{"", "5555"}}, nil, []string{"A", "B"}, nil},
		{"exact_set", src, ClientV3, []Service{{"B", "2"}, {"A", "h:1"}}, nil, []string{"A", "B"},
			[]resolved{{"A", "A", "tcp", "h:1"}, {"B", "B", "tcp", "127.0.0.1:2"}}},
		{"source_unknown_service", src, ClientV3, []Service{{"A", "1"}, {"X", "2"}}, nil, []string{"A"}, nil},
		{"source_missing_service", src, ClientV3, []Service{{"A", "1"}}, nil, []string{"A", "B"}, nil},
		{"destination_extra_ok", dst, ClientV3, []Service{{"A", "1"}, {"X", "/s"}}, nil, []string{"A"},
			[]resolved{{"A", "A", "tcp", "127.0.0.1:1"}}},
		{"destination_missing", dst, ClientV3, []Service{{"A", "1"}}, nil, []string{"A", "B"}, nil},
		{"named_but_tunnel_empty", src, ClientV3, []Service{{"A", "1"}}, nil, nil, nil},
		{"fallback_and_auto_ports", src, ClientV3, nil, []Service{{"B", "7"}, {"Z", "9"}}, []string{"A", "B"},
			[]resolved{{"A", "A", "tcp", "127.0.0.1:0"}, {"B", "B", "tcp", "127.0.0.1:7"}}},
		{"fallback_destination_missing", dst, ClientV3, nil, []Service{{"B", "7"}}, []string{"A", "B"}, nil},
		{"no_services_at_all", src, ClientV3, nil, nil, nil, []resolved{{"", "", "tcp", "127.0.0.1:0"}}},
		{"v1_client_drops_ids", src, ClientV1, []Service{{"SSH", "1"}}, nil, []string{"SSH"},
			[]resolved{{"SSH", "", "tcp", "127.0.0.1:1"}}},
		{"v1_client_two_services", src, ClientV1, []Service{{"A", "1"}, {"B", "2"}}, nil, []string{"A", "B"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := newEngine(Config{Mode: c.mode, Endpoint: "ws://h", AccessToken: "t", ClientType: c.ct,
				Services: c.services, FallbackServices: c.fallback, BindAddress: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.mapServices(c.ids)
			var me *ServiceMismatchError
			switch {
			case c.want == nil && !errors.As(err, &me):
				t.Errorf("mapServices(%q) = %v, %v; want a ServiceMismatchError", c.ids, got, err)
			case c.want != nil && (err != nil || !reflect.DeepEqual(got, c.want)):
				t.Errorf("mapServices(%q) = %v, %v; want %v", c.ids, got, err, c.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Mode: tunnel.ModeSource, Endpoint: "ws://h:1", AccessToken: "t"}
	bad := map[string]func(c *Config){
		"no_mode":           func(c *Config) { c.Mode = 0 },
		"http_endpoint":     func(c *Config) { c.Endpoint = "http://h" },
		"endpoint_query":    func(c *Config) { c.Endpoint = "ws://h/?x=1" },
		"no_token":          func(c *Config) { c.AccessToken = "" },
		"client_token":      func(c *Config) { c.ClientToken = "short" },
		"subprotocol":       func(c *Config) { c.Subprotocol = "mqtt" },
		"client_type":       func(c *Config) { c.ClientType = 7 },
		"dup_ids":           func(c *Config) { c.Services = []Service{{"A", "1"}, {"A", "2"}} },
		"v1_not_alone":      func(c *Config) { c.Services = []Service{{"", "1"}, {"A", "2"}} },
		"bad_port":          func(c *Config) { c.Services = []Service{{"A", "65536"}} },
		"fallback_no_id":    func(c *Config) { c.FallbackServices = []Service{{"", "1"}} },
		"dest_port_0":       func(c *Config) { c.Mode = tunnel.ModeDestination; c.Services = []Service{{"A", "0"}} },
		"bind_unresolvable": func(c *Config) { c.Mode = tunnel.ModeDestination; c.BindAddress = "no such host.invalid" },
	}
	if _, err := newEngine(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mod := range bad {
		t.Run(name, func(t *testing.T) {
			c := ok
			mod(&c)
			if _, err := newEngine(c); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("newEngine = %v, want ErrInvalidConfig", err)
			}
		})
	}
}
