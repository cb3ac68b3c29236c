// Command tunnelbench is adit's end-to-end benchmark suite (issue 7). It
// starts tunneld, opens a tunnel through the API, starts a destination and
// a source localproxy, and measures, each beside a baseline measured in the
// same run (direct loopback TCP with the same Go client and server):
//
//   - one-stream and 64-stream throughput, plain WebSocket and TLS;
//   - 64-byte request/response round-trip latency (p50/p90/p99/max);
//   - new TCP connections per second through one tunnel;
//   - peak RSS (VmHWM) and CPU of tunneld and both localproxies;
//   - API requests/s (bench/apibench);
//   - a ramp of tunnels on one tunneld, both peers connected as light
//     in-process WebSocket peers, each echoing one 64-byte message per
//     second: tunneld RSS, CPU and round-trip p99 at each step.
//
// It writes results.json, a Markdown report and SVG charts, and can replace
// the generated section of docs/BENCHMARKS.md. Everything stays on
// 127.0.0.1 and every loop is bounded in count and time.
//
// Subcommands:
//
//	tunnelbench run -bin DIR -out DIR [-smoke] [-docs docs/BENCHMARKS.md] [-profile]
//	tunnelbench cluster -bin DIR -out DIR [-smoke] [-docs docs/BENCHMARKS.md] [-forward-fds 1]
//	                                     (three nodes on PostgreSQL behind HAProxy; issue 12)
//	tunnelbench server -listen ADDR      (sink/echo server; used by run)
//	tunnelbench peers -endpoint ADDR     (peer process of the ramps: holds peers on one node; used by run and cluster)
//	tunnelbench fwd -to ADDR             (minimal TCP relay; three make the "relay floor" baseline)
//
// bench/run.sh builds everything and calls run, bench/cluster.sh calls
// cluster; see docs/BENCHMARKS.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tunnelbench run|cluster|server|peers|fwd [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "cluster":
		err = cmdCluster(os.Args[2:])
	case "server":
		err = cmdServer(os.Args[2:])
	case "peers":
		err = cmdPeers(os.Args[2:])
	case "fwd":
		err = cmdFwd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunnelbench:", err)
		os.Exit(1)
	}
}
