#!/usr/bin/env bash
# API throughput benchmark: builds tunneld and apibench, starts tunneld on
# loopback with a fresh data directory, and measures /healthz (unsigned
# baseline), OpenTunnel and DescribeTunnel with 16 keep-alive SigV4 clients.
# With API_BENCH_TRUST=1, tunneld runs with a policy file (one user whose
# policy has 20 statements, conditions on tags, services, source IP and
# time) and an audit log, to measure what policies and auditing cost.
# Usage: bench/api.sh [duration, default 5s] [max open tunnels, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5s}"
tmp=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/tunneld" ./cmd/tunneld
go build -o "$tmp/apibench" ./bench/apibench
args=(--listen 127.0.0.1:0 --data-dir "$tmp/data" --max-open-tunnels "${2:-1000000}" --mqtt-listen off)
creds="$tmp/data/credentials"
if [ "${API_BENCH_TRUST:-}" = 1 ]; then
  creds="$tmp/credentials"
  printf '[bench]\naws_access_key_id = AKIABENCH0000000001\naws_secret_access_key = bench-secret-000000000000000000000000\n' >"$creds"
  bench/policy20.sh AKIABENCH0000000001 >"$tmp/policy.json"
  args+=(--credentials-file "$creds" --policy-file "$tmp/policy.json" --audit-log "$tmp/audit.log")
fi
"$tmp/tunneld" "${args[@]}" 2>"$tmp/log" &
pid=$!
addr=
for _ in $(seq 1 100); do
  addr=$(sed -n 's/.*tunneld listening" addr=\([^ ]*\).*/\1/p' "$tmp/log")
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$tmp/log" >&2; exit 1; }
"$tmp/apibench" -endpoint "http://$addr" -credentials "$creds" -duration "$dur"
