#!/usr/bin/env bash
# End-to-end benchmark suite (issue 7): builds tunneld, localproxy,
# bench/apibench and bench/tunnelbench, then runs `tunnelbench run`, which
# measures throughput (1 and 64 streams), 64-byte round-trip latency, new
# connections/s and peak RSS through source localproxy -> tunneld ->
# destination localproxy on plain WebSocket and TLS beside direct loopback
# TCP, API requests/s, and a ramp to 10,000 tunnels on one tunneld.
# Everything stays on 127.0.0.1; every loop is bounded in count and time.
#
# Usage:
#   bench/run.sh            full run (~4 min): updates docs/BENCHMARKS.md and docs/bench.svg
#   bench/run.sh --smoke    seconds-long pass for CI; writes only to a temporary directory
#   bench/run.sh --profile  full-size one-stream runs with CPU profiles of tunneld and both
#                           localproxies (LOCALPROXY_PPROF); writes profiles and `go tool pprof -top`
#                           output under $BENCH_OUT, leaves docs alone
# Environment: BENCH_OUT=DIR keeps the results (results.json, report.md, bench.svg, logs)
# there instead of a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  --smoke) mode=smoke ;;
  --profile) mode=profile ;;
  "") ;;
  *) echo "usage: bench/run.sh [--smoke|--profile]" >&2; exit 2 ;;
esac

# The ramp needs one descriptor per peer; raise the soft limit to the hard one.
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

echo "building into $bin" >&2
go build -o "$bin/" ./cmd/tunneld ./cmd/localproxy ./bench/apibench ./bench/tunnelbench

case "$mode" in
  smoke)
    timeout 180 "$bin/tunnelbench" run -smoke -bin "$bin" -out "$BENCH_OUT" -command "make bench-smoke" >/dev/null
    echo "bench smoke: ok" >&2
    ;;
  full)
    timeout 600 "$bin/tunnelbench" run -bin "$bin" -out "$BENCH_OUT" -command "make bench" \
      -docs docs/BENCHMARKS.md -svg docs/bench.svg -svg-link bench.svg
    echo "results: $BENCH_OUT" >&2
    ;;
  profile)
    timeout 600 "$bin/tunnelbench" run -profile -only plain,tls -bin "$bin" -out "$BENCH_OUT" -command "bench/run.sh --profile" >/dev/null
    for f in "$BENCH_OUT"/profiles/*.pprof; do
      echo "== $f" >&2
      go tool pprof -top -nodecount=25 "$f" 2>/dev/null | tee "${f%.pprof}.top.txt" | head -35
    done
    echo "profiles: $BENCH_OUT/profiles" >&2
    ;;
esac
