# Benchmarks (issue 7). See docs/BENCHMARKS.md.
#   make bench          full suite (~4 min on 2 cores): updates docs/BENCHMARKS.md and docs/bench.svg
#   make bench-smoke    the same suite with tiny sizes (seconds), for CI; writes nothing in the tree
#   make bench-profile  CPU profiles of tunneld and both localproxies on the one-stream path
#   make bench-cluster  three nodes on PostgreSQL behind HAProxy (issue 12): updates docs/BENCHMARKS.md
#   make bench-cluster-smoke  the same with tiny sizes (seconds), for CI
.PHONY: bench bench-smoke bench-profile bench-cluster bench-cluster-smoke

bench:
	bench/run.sh

bench-smoke:
	bench/run.sh --smoke

bench-profile:
	bench/run.sh --profile

bench-cluster:
	bench/cluster.sh

bench-cluster-smoke:
	bench/cluster.sh --smoke

# Releases (issue 14). See README "Releases and packages".
#   make release        static binaries for every platform, archives, SHA256SUMS in dist/
.PHONY: release
release:
	scripts/release.sh
