package main

import (
	"strings"
	"testing"
)

// TestClusterFit checks clusterFit's per-node count against the layout,
// tunnel by tunnel, and that the peer processes' share is 2/n of the peers.
func TestClusterFit(t *testing.T) {
	const nofile, nodeFds = 20000, 100
	for _, c := range []struct{ n, fwdNode, owner int }{{3, 6, 1}, {3, 1, 0}, {2, 6, 1}, {4, 1, 0}} {
		fit, node, client := clusterFit(nofile, c.n, nodeFds, c.fwdNode+c.owner)
		// Count what node 0 and peers process 0 hold at node's tunnels.
		nodeHeld, peersHeld := nodeFds, 0
		for i := range node {
			dst, src := i%c.n, (i/c.n)%c.n
			if dst == 0 {
				nodeHeld++
				peersHeld++
			}
			if src == 0 {
				peersHeld++
				nodeHeld++ // the client's socket, forwarded or not
			}
			if src == 0 && dst != 0 {
				nodeHeld += c.fwdNode - 1
			}
			if dst == 0 && src != 0 {
				nodeHeld += c.owner
			}
		}
		if limit := nofile - fitMargin; nodeHeld > limit+c.n*(c.fwdNode+c.owner) || nodeHeld < limit-2*c.n*(c.fwdNode+c.owner) {
			t.Errorf("n=%d, forward %d+%d: node 0 holds %d at %d tunnels, want about %d", c.n, c.fwdNode, c.owner, nodeHeld, node, limit)
		}
		if want := (nofile - fitMargin) * c.n / 2; client != want || fit != min(node, client) {
			t.Errorf("n=%d: fit %d, client %d; want client %d, fit min(%d, %d)", c.n, fit, client, want, node, client)
		}
	}
	if fit, _, _ := clusterFit(nofile, 3, 300, 7); fit >= 10000 {
		t.Errorf("today's cost (7 per forwarded peer) fits %d tunnels on three nodes; the bench ran out near 9,900", fit)
	}
	if fit, _, _ := clusterFit(nofile, 3, 300, 1); fit < 25000 {
		t.Errorf("multiplexed forwarding (1 per forwarded peer) fits only %d tunnels on three nodes, want at least 25,000", fit)
	}
}

// TestMeasuredFit checks that the descriptors the nodes gained so far cap
// the next step, naming the node that limits it.
func TestMeasuredFit(t *testing.T) {
	res := &clusterRampResult{Nofile: 20000, BaseFds: []int{100, 100, 100},
		Steps: []clusterStep{{Tunnels: 1000, Fds: []int{2100, 2100, 4100}}}}
	fit, why := measuredFit(res)
	// node3 gained 4 per tunnel: (20000 - 128 - 100) / 4.
	if want := (20000 - fitMargin/2 - 100) / 4; fit != want || !strings.Contains(why, "node3") {
		t.Fatalf("measuredFit = %d, %q; want %d, node3", fit, why, want)
	}
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, f) }
	res.MaxFit, res.NodeFit, res.ClientFit = 9000, 9000, 29000
	if got := rampStepFit(res, 25000, logf); got != fit || len(logged) != 2 {
		t.Fatalf("rampStepFit(25000) = %d with %d log lines; want %d and two lines (model, then measured)", got, len(logged), fit)
	}
	logged = nil
	if got := rampStepFit(res, 3000, logf); got != 3000 || len(logged) != 0 {
		t.Fatalf("rampStepFit(3000) = %d with %d log lines; want 3000 and none", got, len(logged))
	}
}
