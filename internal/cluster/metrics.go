package cluster

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector returns the node's metrics, read when collected:
// adit_cluster_forwarded_connections (peers this node forwards to another
// node right now), adit_cluster_links by direction and
// adit_cluster_forwards_total by result.
func (n *Node) Collector() prometheus.Collector { return collector{n} }

var (
	descForwarding = prometheus.NewDesc("adit_cluster_forwarded_connections",
		"Peers this node forwards to the tunnel's owner node right now.", nil, nil)
	descLinks = prometheus.NewDesc("adit_cluster_links",
		"Open links between this node and other nodes, by direction (out: dialled by this node to forward peers; in: accepted from nodes forwarding to it).", []string{"direction"}, nil)
	descForwards = prometheus.NewDesc("adit_cluster_forwards_total",
		"Upgrades forwarded to an owner node, by result (accepted: the owner answered 101; refused: it answered otherwise; unreachable: it could not be reached).", []string{"result"}, nil)
)

type collector struct{ n *Node }

// Describe implements prometheus.Collector.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descForwarding
	ch <- descLinks
	ch <- descForwards
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descForwarding, prometheus.GaugeValue, float64(c.n.forwarding.Load()))
	out, in := c.n.linkCounts()
	ch <- prometheus.MustNewConstMetric(descLinks, prometheus.GaugeValue, float64(out), "out")
	ch <- prometheus.MustNewConstMetric(descLinks, prometheus.GaugeValue, float64(in), "in")
	for i, name := range forwardResults {
		ch <- prometheus.MustNewConstMetric(descForwards, prometheus.CounterValue, float64(c.n.forwards[i].Load()), name)
	}
}

// Results of a forward, as labelled in adit_cluster_forwards_total.
const (
	forwardAccepted = iota
	forwardRefused
	forwardUnreachable
)

var forwardResults = [...]string{"accepted", "refused", "unreachable"}

// linkCounts returns how many links this node has open to and from other
// nodes.
func (n *Node) linkCounts() (out, in int) {
	n.links.mu.Lock()
	for _, s := range n.links.byAddr {
		if !closed(s) {
			out++
		}
	}
	n.links.mu.Unlock()
	n.inbound.mu.Lock()
	in = len(n.inbound.sessions)
	n.inbound.mu.Unlock()
	return out, in
}
