package pgstore

import (
	"fmt"
	"testing"

	"github.com/adit-project/adit/internal/pgtest"
	"github.com/adit-project/adit/internal/store/storetest"
	"github.com/adit-project/adit/internal/tunnel"
)

// The benchmarks run on pgtest's server (a Unix socket, fsync off), the
// counterparts of sqlitestore's: run both packages in one command to
// compare, e.g.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/store/sqlitestore/ ./internal/store/pgstore/

func openBench(b *testing.B) *Store {
	return mustOpen(b, pgtest.Shared(b).NewDatabase(b))
}

// seed inserts n open tunnels bench-0 ... bench-(n-1) in bulk (the shape
// of storetest.BenchTunnel, faster than storetest.Seed), each with
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

// BenchmarkCreateTunnel runs far from the quota: the parallel path.
func BenchmarkCreateTunnel(b *testing.B) { storetest.BenchCreateTunnel(b, openBench(b)) }

func BenchmarkCreateTunnelSerial(b *testing.B) { storetest.BenchCreateTunnelSerial(b, openBench(b)) }

func BenchmarkTunnel(b *testing.B) {
	s := openBench(b)
	seed(b, s, 10_000)
	storetest.BenchTunnelReads(b, s, 10_000)
}

func BenchmarkClaimToken(b *testing.B) {
	s := openBench(b)
	seed(b, s, b.N)
	storetest.BenchClaimToken(b, s, func(i int) tunnel.TokenHash { return tunnel.HashToken(fmt.Sprint("src-", i)) })
}
