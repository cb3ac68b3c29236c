// Package cluster runs one tunneld node of several that share a store
// (PostgreSQL): it registers the node and keeps its lease alive, decides
// which node relays each tunnel (its owner), forwards a peer that reached
// another node to the owner over an authenticated internal connection,
// and applies changes made on any node (close, rotation, expiry, a dead
// node) to the peers this node relays. docs/PROTOCOL.md D25 describes the
// design.
//
// A forwarded upgrade is the client's own HTTP request, sent on to the
// owner with a grant signed by the cluster secret (grant.go), over a link:
// one connection from this node to the owner's ordinary listener that
// carries every peer forwarded there, each on its own stream (link.go,
// linkserve.go, package linkmux). Once the owner answers 101 the
// forwarding node copies bytes both ways without parsing them (pipe.go):
// client frames stay masked, so the owner's relay serves the peer exactly
// as if it had connected directly and every rule of the protocol holds
// unchanged.
package cluster
