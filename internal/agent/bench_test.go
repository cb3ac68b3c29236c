package agent_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/agent"
	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/servertest"
)

// destinationConnected reports whether DescribeTunnel shows the
// destination CONNECTED.
func destinationConnected(b testing.TB, in *servertest.Instance, id string) bool {
	var out struct {
		Tunnel struct {
			Dst struct {
				Status string `json:"status"`
			} `json:"destinationConnectionState"`
		} `json:"tunnel"`
	}
	in.MustCall(b, "DescribeTunnel", map[string]any{"tunnelId": id}, &out)
	return out.Tunnel.Dst.Status == "CONNECTED"
}

// BenchmarkOpenToConnected measures the time from OpenTunnel returning to
// DescribeTunnel showing the destination CONNECTED, with the embedded
// broker and one agent, and reports p50 and p99.
func BenchmarkOpenToConnected(b *testing.B) {
	e := startEnv(b)
	echo := echoServer(b)
	startAgent(b, agent.Config{MQTT: e.device(b, "bench"), ThingName: "bench", Endpoint: "ws://" + e.in.Addr,
		Logger: quiet(), Services: []localproxy.Service{{ID: "SSH", Addr: echo}}})
	var lat []time.Duration
	for b.Loop() {
		tun := openTunnel(b, e.in, "bench", "SSH")
		start := time.Now()
		for !destinationConnected(b, e.in, tun.TunnelID) {
			if time.Since(start) > waitFor {
				b.Fatal("destination not connected")
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
		e.in.MustCall(b, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkHundredTunnels has one agent serve 100 tunnels at once and
// echo through each.
func BenchmarkHundredTunnels(b *testing.B) {
	const n = 100
	e := startEnv(b)
	echo := echoServer(b)
	var svcs []localproxy.Service
	for i := range n {
		svcs = append(svcs, localproxy.Service{ID: fmt.Sprintf("S%d", i), Addr: echo})
	}
	round := 0
	for b.Loop() {
		round++
		thing := fmt.Sprintf("fleet-%d", round)
		ra := startAgent(b, agent.Config{MQTT: e.device(b, thing), ThingName: thing, Endpoint: "ws://" + e.in.Addr,
			Logger: quiet(), MaxTunnels: n, Services: svcs})
		var tuns []servertest.OpenTunnelResult
		for i := range n {
			tuns = append(tuns, openTunnel(b, e.in, thing, svcs[i].ID))
		}
		for range n {
			ra.wait(b, agent.EventConnected)
		}
		for i, tun := range tuns {
			echoRoundTrip(b, startSource(b, e.in, tun.SourceAccessToken, svcs[i].ID), "ping")
		}
		if got := len(ra.a.Sessions()); got != n {
			b.Fatalf("%d sessions, want %d", got, n)
		}
		for _, tun := range tuns {
			e.in.MustCall(b, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
		}
	}
}
