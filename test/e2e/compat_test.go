package e2e

import (
	"testing"
	"time"
)

// TestProtocolPairings: a source in the reference's compatibility modes
// (-y V1, -y V2) against a destination with default flags (V3), with real
// TCP traffic: several connections one after the other, each its own
// stream, 1 MiB each way verified by SHA-256.
func TestProtocolPairings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		services []string // tunnel's services
		dst      func(svc string) string
		src      func(port string) []string
	}{
		{"V2_two_services", []string{"A", "B"},
			func(svc string) string { return "A=" + svc + ",B=" + svc },
			func(port string) []string { return []string{"-y", "V2", "-m", "src"} }},
		{"V1_source_to_V1_format_destination", []string{"SSH"},
			func(svc string) string { return svc },
			func(port string) []string { return []string{"-y", "V1", "-s", port} }},
		{"V1_one_service", []string{"SSH"},
			func(svc string) string { return "SSH=" + svc },
			func(port string) []string { return []string{"-y", "V1", "-s", port} }},
		{"V1_one_service_named_mapping", []string{"SSH"},
			func(svc string) string { return "SSH=" + svc },
			func(port string) []string { return []string{"-y", "V1", "-s", "SSH=" + port} }},
		{"V2_one_service", []string{"SSH"},
			func(svc string) string { return "SSH=" + svc },
			func(port string) []string { return []string{"-y", "V2", "-s", "SSH=" + port} }},
		{"V1_no_services", nil,
			func(svc string) string { return svc },
			func(port string) []string { return []string{"-y", "V1", "-s", port} }},
		{"V3_no_services", nil,
			func(svc string) string { return svc },
			func(port string) []string { return []string{"-s", port} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := startTunneld(t)
			svc := checksumServer(t)
			tun := in.OpenTunnel(t, tc.services...)
			startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, tc.dst(svc))
			_, addrs := startSourceOnPorts(t, wsEndpoint(in), tun.SourceAccessToken, 1,
				func(ports []string) []string { return tc.src(ports[0]) })
			if want := max(len(tc.services), 1); len(addrs) != want {
				t.Fatalf("source listens on %v, want %d ports", addrs, want)
			}
			for id, addr := range addrs {
				for i := range 3 {
					if err := checksumExchange(addr, 1<<20, 1<<20, 30*time.Second); err != nil {
						t.Fatalf("service %q, connection %d: %v", id, i, err)
					}
				}
			}
		})
	}
}
