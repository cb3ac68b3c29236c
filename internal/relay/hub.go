package relay

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// Reasons hub.attach refuses a peer whose token was claimed.
var (
	errTunnelGone   = errors.New("relay: tunnel closed during the handshake")
	errTokenRevoked = errors.New("relay: token revoked during the handshake")
	errShuttingDown = errors.New("relay: shutting down")
	errNotCurrent   = errors.New("relay: peer no longer attached")
)

// maxTombstones bounds the tombstone map.
const maxTombstones = 1 << 16

// hub is the registry of tunnels that have at least one attached peer.
//
// A claim can succeed just before CloseTunnel or Revoke and attach just
// after them. To refuse such peers, every close and revoke bumps gen and
// leaves a tombstone; a handshake remembers gen before claiming and is
// refused if a tombstone for its tunnel (and mode) is newer. Tombstones
// live only as long as a handshake can (tombTTL).
type hub struct {
	s       *Server
	tombTTL time.Duration
	gen     atomic.Uint64

	mu      sync.Mutex
	tunnels map[string]*tunnelEntry
	tombs   map[string]*tombstone
	pruneAt int  // tombstone count that triggers the next sweep
	closed  bool // shutting down: attach fails
}

type tombstone struct {
	closedGen  uint64
	revokedGen [2]uint64
	at         time.Time
}

// tunnelEntry is one tunnel's relay state.
type tunnelEntry struct {
	id    string
	bw    *rate.Limiter // shared by both directions; nil: unlimited
	timer *time.Timer   // closes the tunnel at Grant.ExpiresAt; nil: no expiry

	mu      sync.Mutex
	peers   [2]*peer // by modeIndex; guarded by mu
	streams streamTable
	removed bool // deleted from hub.tunnels
}

func modeIndex(m tunnel.Mode) int {
	if m == tunnel.ModeDestination {
		return 1
	}
	return 0
}

func newHub(s *Server, tombTTL time.Duration) *hub {
	return &hub{s: s, tombTTL: tombTTL, pruneAt: 1024,
		tunnels: make(map[string]*tunnelEntry), tombs: make(map[string]*tombstone)}
}

// generation returns the counter a handshake remembers before claiming.
func (h *hub) generation() uint64 { return h.gen.Load() }

// admit reports whether a peer of tunnel id and mode m whose handshake
// started at generation gen may still attach.
func (h *hub) admit(id string, m tunnel.Mode, gen uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.admitLocked(id, m, gen)
}

func (h *hub) admitLocked(id string, m tunnel.Mode, gen uint64) error {
	if h.closed {
		return errShuttingDown
	}
	if tb := h.tombs[id]; tb != nil {
		if tb.closedGen > gen {
			return errTunnelGone
		}
		if tb.revokedGen[modeIndex(m)] > gen {
			return errTokenRevoked
		}
	}
	return nil
}

// attach registers p for its tunnel. If a peer of the same mode is
// attached it is replaced (D2): attach returns it, the other peer, and a
// STREAM_RESET frame per active stream for the other peer.
func (h *hub) attach(p *peer, g Grant, gen uint64) (old, other *peer, resets [][]byte, err error) {
	h.mu.Lock()
	if err := h.admitLocked(g.TunnelID, p.mode, gen); err != nil {
		h.mu.Unlock()
		return nil, nil, nil, err
	}
	t := h.tunnels[g.TunnelID]
	if t == nil {
		t = h.newEntry(g)
		h.tunnels[g.TunnelID] = t
	}
	t.mu.Lock()
	h.mu.Unlock()
	defer t.mu.Unlock()
	i := modeIndex(p.mode)
	old, other = t.peers[i], t.peers[1-i]
	t.peers[i] = p
	p.t = t
	if old != nil {
		resets = t.streams.takeActive()
	}
	if other == nil {
		resets = nil
	}
	return old, other, resets, nil
}

func (h *hub) newEntry(g Grant) *tunnelEntry {
	t := &tunnelEntry{id: g.TunnelID, streams: streamTable{services: g.Services}}
	if lim := h.s.cfg.BandwidthLimit; lim > 0 {
		t.bw = rate.NewLimiter(rate.Limit(lim), int(max(lim/4, 16<<10)))
	}
	if !g.ExpiresAt.IsZero() {
		id := g.TunnelID
		t.timer = time.AfterFunc(g.ExpiresAt.Sub(h.s.cfg.Now()), func() { h.s.CloseTunnel(id, true) })
	}
	return t
}

// detach unregisters p. If p was its mode's current peer, detach returns
// the other peer and a STREAM_RESET frame per active stream for it (D6).
func (h *hub) detach(p *peer) (other *peer, resets [][]byte, current bool) {
	t := p.t
	t.mu.Lock()
	i := modeIndex(p.mode)
	if current = t.peers[i] == p; current {
		t.peers[i] = nil
		other = t.peers[1-i]
		resets = t.streams.takeActive()
		if other == nil {
			resets = nil
		}
	}
	empty := t.peers[0] == nil && t.peers[1] == nil
	t.mu.Unlock()
	if empty {
		h.removeIfEmpty(t)
	}
	return other, resets, current
}

func (h *hub) removeIfEmpty(t *tunnelEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.peers[0] != nil || t.peers[1] != nil || t.removed {
		return
	}
	t.removed = true
	if h.tunnels[t.id] == t {
		delete(h.tunnels, t.id)
	}
	if t.timer != nil {
		t.timer.Stop()
	}
}

// closeTunnel forgets tunnel id and returns its peers for closing.
func (h *hub) closeTunnel(id string) []*peer {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tombLocked(id).closedGen = h.gen.Add(1)
	t := h.tunnels[id]
	if t == nil {
		return nil
	}
	delete(h.tunnels, id)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removed = true
	if t.timer != nil {
		t.timer.Stop()
	}
	return peersOf(t.peers)
}

// revoke returns the peer of mode m of tunnel id, if any, for closing.
func (h *hub) revoke(id string, m tunnel.Mode) *peer {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tombLocked(id).revokedGen[modeIndex(m)] = h.gen.Add(1)
	t := h.tunnels[id]
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peers[modeIndex(m)]
}

// shutdown refuses further attaches and returns every attached peer.
func (h *hub) shutdown() []*peer {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	var all []*peer
	for _, t := range h.tunnels {
		t.mu.Lock()
		all = append(all, peersOf(t.peers)...)
		t.mu.Unlock()
	}
	return all
}

// ids returns the ids of the tunnels with attached peers.
func (h *hub) ids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, 0, len(h.tunnels))
	for id := range h.tunnels {
		ids = append(ids, id)
	}
	return ids
}

// count returns the number of tunnels with attached peers.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tunnels)
}

// tombLocked returns id's tombstone, creating it and pruning old ones.
func (h *hub) tombLocked(id string) *tombstone {
	now := time.Now()
	if tb := h.tombs[id]; tb != nil {
		tb.at = now
		return tb
	}
	if len(h.tombs) >= h.pruneAt {
		for k, tb := range h.tombs {
			if now.Sub(tb.at) > h.tombTTL {
				delete(h.tombs, k)
			}
		}
		for k := range h.tombs {
			if len(h.tombs) < maxTombstones*7/8 {
				break
			}
			delete(h.tombs, k)
		}
		// Amortized: the next sweep waits until the map has doubled.
		h.pruneAt = min(max(1024, 2*len(h.tombs)), maxTombstones)
	}
	tb := &tombstone{at: now}
	h.tombs[id] = tb
	return tb
}

func peersOf(ps [2]*peer) []*peer {
	var out []*peer
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// route checks m from p against the tunnel's stream rules, records its
// effect and returns the peer to relay it to (nil: absent or closing).
func (t *tunnelEntry) route(p *peer, m *wire.Message) (*peer, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := modeIndex(p.mode)
	if t.peers[i] != p {
		return nil, errNotCurrent
	}
	other := t.peers[1-i]
	if other != nil && other.closing.Load() {
		other = nil
	}
	if !m.Type.Known() {
		return other, nil
	}
	if err := t.streams.apply(m, &p.format, other != nil); err != nil {
		return nil, err
	}
	return other, nil
}
