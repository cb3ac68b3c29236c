package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// The benchmarks every backend runs from its bench_test.go on a fresh
// store, so that their figures compare (run the backends' packages in one
// command). Each reports ops/s.

// BenchTunnel is a tunnel as OpenTunnel stores it: destination config,
// two tags and both tokens.
func BenchTunnel(id string, now time.Time) (tunnel.Tunnel, []store.Token) {
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

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchCreateTunnel measures CreateTunnel calls from 8 goroutines per CPU
// (like many concurrent API requests), with the open-tunnel quota checked
// far from the quota.
func BenchCreateTunnel(b *testing.B, s store.Store) {
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tn, tokens := BenchTunnel(fmt.Sprint("bench-", n.Add(1)), now)
			if err := s.CreateTunnel(b.Context(), tn, tokens, 1<<30); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

// BenchCreateTunnelSerial measures the latency of one CreateTunnel at a
// time.
func BenchCreateTunnelSerial(b *testing.B, s store.Store) {
	now := time.Now()
	n := 0
	for b.Loop() {
		n++
		tn, tokens := BenchTunnel(fmt.Sprint("bench-", n), now)
		if err := s.CreateTunnel(b.Context(), tn, tokens, 1<<30); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// Seed creates tunnels bench-0 … bench-(n-1) through CreateTunnel, 8 at a
// time, and returns their source token hashes. Backends with a faster
// bulk path may seed the same shape themselves.
func Seed(b *testing.B, s store.Store, n int) []tunnel.TokenHash {
	b.Helper()
	now := time.Now()
	hashes := make([]tunnel.TokenHash, n)
	var next atomic.Int64
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				tn, tokens := BenchTunnel(fmt.Sprint("bench-", i), now)
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
	return hashes
}

// BenchTunnelReads measures concurrent Tunnel reads (DescribeTunnel), one
// goroutine per CPU, over the n seeded tunnels bench-0 … bench-(n-1).
func BenchTunnelReads(b *testing.B, s store.Store, n int) {
	var i atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Tunnel(b.Context(), fmt.Sprint("bench-", i.Add(1)%int64(n))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

// BenchClaimToken measures concurrent first claims (each marks an unused
// token used) of the seeded source tokens hash(0) … hash(b.N-1), from 8
// goroutines per CPU.
func BenchClaimToken(b *testing.B, s store.Store, hash func(i int) tunnel.TokenHash) {
	now := time.Now()
	var i atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ClaimToken(b.Context(), hash(int(i.Add(1)-1)), tunnel.ModeSource, "", now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}
