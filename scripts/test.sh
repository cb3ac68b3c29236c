#!/usr/bin/env bash
# Runs the whole adit test suite: installs what the tests need when it is
# missing, then checks formatting, vets, and runs every test with the race
# detector. Usage: scripts/test.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ssh >/dev/null 2>&1 || need_apt+=(openssh-client)
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
# headless browser for the web console's tests (test/console)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
# Release tests: cross-built binaries run under qemu-user; file checks them.
command -v qemu-aarch64 >/dev/null 2>&1 && command -v qemu-arm >/dev/null 2>&1 || need_apt+=(qemu-user)
command -v file >/dev/null 2>&1 || need_apt+=(file)
# Cluster tests: a real TCP load balancer in front of the nodes.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
# Metrics tests (test/metrics): promtool lints /metrics, a real Prometheus
# runs the Grafana dashboard's queries.
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
# Package tests: systemd-analyze verifies the units.
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
# PostgreSQL 15 for the pgstore tests (internal/pgtest runs its own server
# from these binaries; the package's default cluster is not used).
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    # The package creates and starts a default cluster; the tests bring
    # their own, so stop it rather than leave a server running.
    if command -v pg_dropcluster >/dev/null 2>&1 && [ -d /etc/postgresql/15/main ]; then
      pg_dropcluster --stop 15 main || true
    fi
  else
    echo "warning: missing ${need_apt[*]}; the tests that need them fail" >&2
  fi
fi

if ! python3 -c 'import boto3, awscli' 2>/dev/null; then
  echo "error: the compatibility tests need python3 with awscli (v1) and boto3" >&2
  exit 1
fi

# Linters at pinned versions, run through the module proxy (no install):
# go run downloads them once into the module cache.
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2 # staticcheck 2026.2.2
GOIMPORTS=golang.org/x/tools/cmd/goimports@v0.52.0

# lint_module DIR runs goimports and staticcheck over the module in DIR and
# exits listing their findings if there are any.
lint_module() {
  local unsorted
  unsorted=$(cd "$1" && go run "$GOIMPORTS" -l .)
  if [ -n "$unsorted" ]; then
    echo "goimports needed on (in $1; see go run $GOIMPORTS -d):" >&2
    echo "$unsorted" >&2
    exit 1
  fi
  if ! (cd "$1" && go run "$STATICCHECK" ./...) >&2; then
    echo "staticcheck findings in $1 (listed above)" >&2
    exit 1
  fi
}

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
lint_module . # the main module; the packaging module is linted below
if ! go mod tidy -diff >/dev/null; then
  echo "go.mod/go.sum are not tidy: run go mod tidy" >&2
  exit 1
fi
go test -race -count=1 -timeout 20m "$@" ./...

# The packaging module (nfpm) is a module of its own.
go -C packaging vet ./...
lint_module packaging
if ! (cd packaging && go mod tidy -diff >/dev/null); then
  echo "packaging/go.mod is not tidy: run go mod tidy in packaging/" >&2
  exit 1
fi
go -C packaging test -count=1 ./...

# Benchmark suite smoke passes (one node, then the cluster: PostgreSQL, three
# nodes, HAProxy): check that they still run; figures are not judged.
bench/run.sh --smoke
bench/cluster.sh --smoke
