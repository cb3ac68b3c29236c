package sqlitestore

import (
	"path/filepath"
	"testing"

	"github.com/adit-project/adit/internal/store/storetest"
	"github.com/adit-project/adit/internal/tunnel"
)

// The shared store benchmarks (storetest) on a fresh database file; run
// with pgstore's in one command to compare.

func openBench(b *testing.B) *Store {
	s := mustOpen(b, filepath.Join(b.TempDir(), "tunneld.db"))
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkCreateTunnel(b *testing.B) { storetest.BenchCreateTunnel(b, openBench(b)) }

// BenchmarkCreateTunnelSerial: no group commit can help a lone writer.
func BenchmarkCreateTunnelSerial(b *testing.B) { storetest.BenchCreateTunnelSerial(b, openBench(b)) }

func BenchmarkTunnel(b *testing.B) {
	s := openBench(b)
	storetest.Seed(b, s, 10_000)
	storetest.BenchTunnelReads(b, s, 10_000)
}

func BenchmarkClaimToken(b *testing.B) {
	s := openBench(b)
	hashes := storetest.Seed(b, s, b.N)
	storetest.BenchClaimToken(b, s, func(i int) tunnel.TokenHash { return hashes[i] })
}
