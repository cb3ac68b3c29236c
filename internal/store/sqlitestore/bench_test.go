package sqlitestore

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// benchTunnel is a tunnel as OpenTunnel stores it: destination config, two
// tags and both tokens.
func benchTunnel(id string, now time.Time) (tunnel.Tunnel, []store.Token) {
	tn := tunnel.Tunnel{
		ID: id, ARN: tunnel.ARN("aws", "us-east-1", "123456789012", id), Status: tunnel.StatusOpen,
		Description: "benchmark tunnel", ThingName: "thing", Services: []string{"SSH", "HTTP"},
		LifetimeMinutes: 720, CreatedAt: now, LastUpdatedAt: now, ExpiresAt: now.Add(12 * time.Hour),
		Source: tunnel.ConnState{LastUpdatedAt: now}, Destination: tunnel.ConnState{LastUpdatedAt: now},
		Tags: []tunnel.Tag{{Key: "env", Value: "bench"}, {Key: "owner", Value: "adit"}},
	}
	return tn, []store.Token{
		{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeSource},
		{Hash: tunnel.HashToken(tunnel.NewToken()), Mode: tunnel.ModeDestination},
	}
}

func openBench(b *testing.B) *Store {
	s := mustOpen(b, filepath.Join(b.TempDir(), "tunneld.db"))
	b.Cleanup(func() { s.Close() })
	return s
}

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkCreateTunnel measures CreateTunnel calls from 8 goroutines per
// CPU, with the open-tunnel quota checked.
func BenchmarkCreateTunnel(b *testing.B) {
	s := openBench(b)
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(8) // like many concurrent API requests
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tn, tokens := benchTunnel(fmt.Sprint("bench-", n.Add(1)), now)
			if err := s.CreateTunnel(b.Context(), tn, tokens, 1<<30); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

// BenchmarkCreateTunnelSerial measures the latency of one CreateTunnel at
// a time, where no group commit can help.
func BenchmarkCreateTunnelSerial(b *testing.B) {
	s := openBench(b)
	now := time.Now()
	n := 0
	for b.Loop() {
		n++
		tn, tokens := benchTunnel(fmt.Sprint("bench-", n), now)
		if err := s.CreateTunnel(b.Context(), tn, tokens, 1<<30); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// BenchmarkTunnel measures concurrent Tunnel reads (DescribeTunnel) over
// 10,000 tunnels.
func BenchmarkTunnel(b *testing.B) {
	s := openBench(b)
	now := time.Now()
	const n = 10_000
	for i := range n {
		tn, tokens := benchTunnel(fmt.Sprint("bench-", i), now)
		if err := s.CreateTunnel(b.Context(), tn, tokens, 0); err != nil {
			b.Fatal(err)
		}
	}
	var i atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprint("bench-", i.Add(1)%n)
			if _, err := s.Tunnel(b.Context(), id); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

// BenchmarkClaimToken measures concurrent first claims (each marks an
// unused token used) of b.N tokens of b.N tunnels, like pgstore's.
func BenchmarkClaimToken(b *testing.B) {
	s := openBench(b)
	now := time.Now()
	hashes := make([]tunnel.TokenHash, b.N)
	var next atomic.Int64
	errs := make(chan error, 8)
	for range 8 { // seed in parallel so that group commit keeps it short
		go func() {
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				tn, tokens := benchTunnel(fmt.Sprint("bench-", i), now)
				hashes[i] = tokens[0].Hash
				if err := s.CreateTunnel(b.Context(), tn, tokens, 0); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	var i atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ClaimToken(b.Context(), hashes[i.Add(1)-1], tunnel.ModeSource, "", now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}
