package main

import (
	"fmt"
	"math"
)

// How many tunnels the cluster ramp can hold under the open-file limit.

// defaultForwardFds is -forward-fds: the descriptors one forwarded peer
// costs the forwarding node and its owner together, the client's socket
// included. Every peer a node forwards to one owner shares that pair's
// link (internal/cluster, docs/PROTOCOL.md D25), so a forwarded peer holds
// only its client's socket on the forwarding node and nothing on the
// owner: 1. (Before the links it was 7: the client's socket, a connection
// of its own to the owner, two splice pipes, and the owner's end.)
const defaultForwardFds = 1

// fitMargin is the descriptors every process keeps spare besides the ones
// it had before the ramp (listeners, database pool, pipes, a few per node
// pair).
const fitMargin = 256

// clusterFit is how many tunnels fit every process's open-file limit:
// the nodes' (node) and the peer processes' (client). With n nodes, tunnel
// i's destination on node i%n (its owner) and its source on node (i/n)%n,
// a node holds per tunnel: 1/n destinations, 1/n² sources of tunnels it
// owns, and (n-1)/n² forwarded peers as the forwarding node plus as many
// as the owner, at forwardFds descriptors for both ends together. Its peers
// process holds the same 1/n destinations and 1/n sources.
func clusterFit(nofile uint64, n, nodeFds, forwardFds int) (fit, node, client int) {
	nf := float64(n)
	perTunnel := 1/nf + 1/(nf*nf) + float64(forwardFds)*(nf-1)/(nf*nf)
	node = int(float64(int(nofile)-nodeFds-fitMargin) / perTunnel)
	client = (int(nofile) - fitMargin) * n / 2
	return min(node, client), node, client
}

// measuredFit is how many tunnels fit every node's open-file limit by
// the descriptors each node gained per tunnel up to the last step (steps
// holds at least one), and why: a wrong -forward-fds then stops the ramp
// before a node runs out.
func measuredFit(res *clusterRampResult) (fit int, why string) {
	last := res.Steps[len(res.Steps)-1]
	fit = math.MaxInt
	for i, fds := range last.Fds {
		per := float64(fds-res.BaseFds[i]) / float64(last.Tunnels)
		if per <= 0 {
			continue
		}
		if f := int(float64(int(res.Nofile)-fitMargin/2-res.BaseFds[i]) / per); f < fit {
			fit, why = f, fmt.Sprintf("node%d gained %.2f descriptors per tunnel", i+1, per)
		}
	}
	return fit, why
}

// rampStepFit is step capped at what fits the open-file limit, by the
// model (clusterFit) and by the descriptors the nodes gained so far; it
// says so when it caps.
func rampStepFit(res *clusterRampResult, step int, logf func(string, ...any)) int {
	want := step
	if want > res.MaxFit {
		logf("cluster ramp: %d tunnels do not fit the open-file limit %d (nodes: %d at %d descriptors per forwarded peer, peer processes: %d); stopping at %d",
			want, res.Nofile, res.NodeFit, res.ForwardFds, res.ClientFit, res.MaxFit)
		want = res.MaxFit
	}
	if len(res.Steps) > 0 {
		if fit, why := measuredFit(res); want > fit {
			logf("cluster ramp: %d tunnels do not fit the open-file limit %d: %s so far; stopping at %d", want, res.Nofile, why, fit)
			want, res.MeasuredFit = fit, fit
		}
	}
	return want
}
