package linkmux

import (
	"sync"
	"time"
)

// deadline is a channel that closes when a settable time passes.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	c     chan struct{}
}

func newDeadline() *deadline { return &deadline{c: make(chan struct{})} }

// set arms the deadline at t; the zero time disarms it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		// The timer fired or is firing: its channel is (being) closed.
		d.c = make(chan struct{})
	}
	d.timer = nil
	select {
	case <-d.c: // closed by an earlier set in the past
		d.c = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	if dur := time.Until(t); dur > 0 {
		c := d.c
		d.timer = time.AfterFunc(dur, func() { close(c) })
		return
	}
	close(d.c)
}

// wait returns the channel that closes at the deadline.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}
