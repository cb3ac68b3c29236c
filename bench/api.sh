#!/usr/bin/env bash
# API throughput benchmark: builds tunneld and apibench, starts tunneld on
# loopback with a fresh data directory, and measures /healthz (unsigned
# baseline), OpenTunnel and DescribeTunnel with 16 keep-alive SigV4 clients.
# Usage: bench/api.sh [duration, default 5s] [max open tunnels, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5s}"
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/tunneld" ./cmd/tunneld
go build -o "$tmp/apibench" ./bench/apibench
"$tmp/tunneld" --listen 127.0.0.1:0 --data-dir "$tmp/data" --max-open-tunnels "${2:-1000000}" --mqtt-listen off 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 100); do
  addr=$(sed -n 's/.*tunneld listening" addr=\([^ ]*\).*/\1/p' "$tmp/log")
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$tmp/log" >&2; exit 1; }
"$tmp/apibench" -endpoint "http://$addr" -credentials "$tmp/data/credentials" -duration "$dur"
