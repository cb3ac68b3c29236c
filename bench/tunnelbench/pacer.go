package main

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

// rampCollector gathers the round trips of the messages sent in the
// measuring window. A message belongs to the window by the send time it
// carries, so messages in flight at either edge are neither lost nor
// counted twice, and a slow echo of the window's last messages still
// counts once it arrives.
type rampCollector struct {
	base     time.Time
	mu       sync.Mutex
	lat      []time.Duration // round trips of the window's echoed messages
	closed   atomic.Int64
	from, to atomic.Int64 // window, as send times since base
	sent     atomic.Int64 // messages sent in the window
}

// add records the echo of a message sent at ts after d.
func (rc *rampCollector) add(ts, d time.Duration) {
	if !rc.inWindow(ts) {
		return
	}
	rc.mu.Lock()
	rc.lat = append(rc.lat, d)
	rc.mu.Unlock()
}

// open starts a measuring window.
func (rc *rampCollector) open() {
	rc.mu.Lock()
	rc.lat = rc.lat[:0]
	rc.mu.Unlock()
	rc.sent.Store(0)
	rc.to.Store(math.MaxInt64)
	rc.from.Store(int64(time.Since(rc.base)))
}

// close ends the window: later sends no longer belong to it.
func (rc *rampCollector) close() { rc.to.Store(int64(time.Since(rc.base))) }

// echoes returns the round trips recorded for the window so far.
func (rc *rampCollector) echoes() []time.Duration {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]time.Duration(nil), rc.lat...)
}

// inWindow reports whether send time ts falls in the window.
func (rc *rampCollector) inWindow(ts time.Duration) bool {
	return int64(ts) >= rc.from.Load() && int64(ts) < rc.to.Load()
}

// srcPeer is a source peer of the ramp: the pacer makes it send one
// 64-byte DATA per period at its own phase, and its reader measures the
// round trip of the echo.
type srcPeer struct {
	p     *wsPeer
	phase time.Duration // offset of its sends within the period
}

// start opens the peer's stream and starts its reader.
func (sp *srcPeer) start(rc *rampCollector) error {
	msg := wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: rampService, ConnectionID: 1}
	if err := sp.p.send(&msg); err != nil {
		return err
	}
	go func() {
		var m wire.Message
		for {
			if err := sp.p.read(&m); err != nil {
				rc.closed.Add(1)
				return
			}
			if m.Type == wire.TypeData && len(m.Payload) >= 8 {
				ts := time.Duration(binary.BigEndian.Uint64(m.Payload))
				rc.add(ts, time.Since(rc.base)-ts)
			}
		}
	}()
	return nil
}

// pacer sends every source peer's messages from one goroutine, spread
// evenly over the period by each peer's random phase. One timer per peer
// would not do: Go's timers wake a sleeping process with a resolution of
// about a millisecond, so at 10,000 peers they fire in bursts of ten or
// more, and the measured latency would be the queue of each burst, an
// artefact of the load generator rather than anything tunneld does. The
// pacer sleeps with nanosleep on its own thread instead (resolution of a
// few tens of microseconds).
type pacer struct {
	rc     *rampCollector
	period time.Duration
	mu     sync.Mutex
	peers  []*srcPeer // sorted by phase; replaced, never modified in place
}

// add gives new peers random phases and schedules them from the next
// period on.
func (pc *pacer) add(peers []*srcPeer) {
	for _, sp := range peers {
		sp.phase = time.Duration(rand.Int64N(int64(pc.period)))
	}
	pc.mu.Lock()
	all := append(slices.Clone(pc.peers), peers...)
	slices.SortFunc(all, func(a, b *srcPeer) int { return int(a.phase - b.phase) })
	pc.peers = all
	pc.mu.Unlock()
}

// run sends until stop is closed.
func (pc *pacer) run(stop <-chan struct{}) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	payload := make([]byte, 64)
	var m wire.Message
	base := time.Now()
	for {
		pc.mu.Lock()
		peers := pc.peers
		pc.mu.Unlock()
		for _, sp := range peers {
			if !sleepUntil(base.Add(sp.phase), stop) {
				return
			}
			ts := time.Since(pc.rc.base)
			binary.BigEndian.PutUint64(payload, uint64(ts))
			m = wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: rampService, ConnectionID: 1, Payload: payload}
			if sp.p.send(&m) == nil && pc.rc.inWindow(ts) {
				pc.rc.sent.Add(1)
			}
		}
		if !sleepUntil(base.Add(pc.period), stop) {
			return
		}
		base = base.Add(pc.period)
	}
}

// sleepUntil sleeps until t (at once if it has passed); false if stop was
// closed meanwhile.
func sleepUntil(t time.Time, stop <-chan struct{}) bool {
	for {
		select {
		case <-stop:
			return false
		default:
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		d = min(d, 100*time.Millisecond) // keep noticing stop
		ts := syscall.NsecToTimespec(int64(d))
		syscall.Nanosleep(&ts, nil)
	}
}
