#!/usr/bin/env bash
# Cluster benchmark (issue 12): builds tunneld, localproxy, bench/apibench
# and bench/tunnelbench, then runs `tunnelbench cluster`, which starts a
# PostgreSQL 15 server of its own (Debian's binaries, internal/pgtest),
# three tunneld nodes on it and HAProxy in front of them, and measures,
# each beside the single-node figure of the same run: one tunnel across
# two nodes (throughput, 64-byte round trips), OpenTunnel/s and
# DescribeTunnel/s across the nodes, a ramp of connected tunnels spread
# over the nodes, and the time from kill -9 of an owner node to traffic
# through its tunnels again. Everything stays on 127.0.0.1; every loop is
# bounded in count and time.
#
# Usage:
#   bench/cluster.sh            full run (~5 min on 2 cores): updates the cluster section of docs/BENCHMARKS.md
#   bench/cluster.sh --smoke    one-to-two-minute pass for CI; writes only to a temporary directory
# Environment: BENCH_OUT=DIR keeps the results (results.json, report.md, logs)
# there instead of a temporary directory. Extra arguments after the mode go
# to `tunnelbench cluster` (e.g. -lease 2s, -ramp-steps 5000,10000).
# Needs postgresql-15 and haproxy (scripts/test.sh installs both on CI).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  --smoke) mode=smoke; shift ;;
  --full) shift ;;
  -*|"") ;;
  *) echo "usage: bench/cluster.sh [--smoke|--full] [tunnelbench cluster flags]" >&2; exit 2 ;;
esac

# The ramp's nodes hold about 2/3 descriptor per tunnel each (a forwarded
# peer costs only its client's socket, see -forward-fds) and its peer
# processes, one per node, 2/3 each. Where the hard limit can be raised (root, mostly) it is;
# otherwise the ramp stops at what fits and says so.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bin=$(mktemp -d)
keep_out=1
if [ -z "${BENCH_OUT:-}" ]; then
  BENCH_OUT=$(mktemp -d)
  keep_out=0
fi
cleanup() {
  rm -rf "$bin"
  if [ "$keep_out" = 0 ] && [ "$mode" = smoke ]; then rm -rf "$BENCH_OUT"; fi
}
trap cleanup EXIT
# pgtest runs PostgreSQL as the postgres user when we are root; it must
# be able to reach its temporary directory.
mkdir -p "$BENCH_OUT"
chmod 755 "$BENCH_OUT"

echo "building into $bin" >&2
go build -o "$bin/" ./cmd/tunneld ./cmd/localproxy ./bench/apibench ./bench/tunnelbench

case "$mode" in
  smoke)
    timeout 360 "$bin/tunnelbench" cluster -smoke -bin "$bin" -out "$BENCH_OUT" -command "bench/cluster.sh --smoke" "$@" >/dev/null
    echo "bench cluster smoke: ok" >&2
    ;;
  full)
    timeout 1200 "$bin/tunnelbench" cluster -bin "$bin" -out "$BENCH_OUT" -command "make bench-cluster" \
      -docs docs/BENCHMARKS.md "$@"
    echo "results: $BENCH_OUT" >&2
    ;;
esac
