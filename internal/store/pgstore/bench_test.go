package pgstore

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// The benchmarks run on pgtest's server (a Unix socket, fsync off), the
// counterparts of sqlitestore's: run both packages in one command to
// compare, e.g.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/store/sqlitestore/ ./internal/store/pgstore/

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
	return mustOpen(b, pgtest.Shared(b).NewDatabase(b))
}

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// seed inserts n open tunnels bench-0 ... bench-(n-1) in bulk, each with
// the source token "src-<i>" (as tunnel.HashToken hashes it).
func seed(b *testing.B, s *Store, n int) {
	b.Helper()
	const tunnels = `INSERT INTO tunnels (id, arn, description, thing_name, services, lifetime_minutes,
		created_at, last_updated_at, expires_at, src_connected, src_updated_at, dst_connected, dst_updated_at, tags)
		SELECT 'bench-' || i, 'arn:aws:iot:us-east-1:123456789012:tunnel/bench-' || i, 'benchmark tunnel', 'thing',
		ARRAY['SSH', 'HTTP'], 720, now(), now(), now() + interval '12 hours', false, now(), false, now(),
		'{"env": "bench", "owner": "adit"}'
		FROM generate_series(0, $1 - 1) AS i`
	const tokens = `INSERT INTO tokens (hash, tunnel_id, mode)
		SELECT sha256(convert_to('src-' || i, 'UTF8')), 'bench-' || i, 'source' FROM generate_series(0, $1 - 1) AS i`
	for _, q := range []string{tunnels, tokens} {
		if _, err := s.pool.Exec(b.Context(), q, n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateTunnel measures CreateTunnel calls from 8 goroutines per
// CPU, with the open-tunnel quota checked (far from the quota: the
// parallel path).
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
// a time.
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
// 10,000 tunnels, from one goroutine per CPU as sqlitestore's does.
func BenchmarkTunnel(b *testing.B) {
	s := openBench(b)
	const n = 10_000
	seed(b, s, n)
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
// unused token used) of b.N tokens of b.N tunnels.
func BenchmarkClaimToken(b *testing.B) {
	s := openBench(b)
	seed(b, s, b.N)
	now := time.Now()
	var i atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h := tunnel.HashToken(fmt.Sprint("src-", i.Add(1)-1))
			if _, err := s.ClaimToken(b.Context(), h, tunnel.ModeSource, "", now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}
