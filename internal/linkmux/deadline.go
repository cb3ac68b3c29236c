package linkmux

import (
	"sync"
	"time"
)

// deadline is a channel that closes when a settable time passes. Moving
// it later, as a reader that renews its idle deadline before every read
// does, costs no timer operation: the armed timer fires at the earlier
// time and re-arms itself for the rest.
type deadline struct {
	mu     sync.Mutex
	at     time.Time // the deadline; zero: none
	timer  *time.Timer
	armed  time.Time // when timer fires; zero: not armed
	c      chan struct{}
	closed bool // c is closed
}

func newDeadline() *deadline { return &deadline{c: make(chan struct{})} }

// set arms the deadline at t; the zero time disarms it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = t
	if d.closed {
		d.c, d.closed = make(chan struct{}), false
	}
	if t.IsZero() {
		return // an armed timer finds no deadline and stops
	}
	dur := time.Until(t)
	switch {
	case dur <= 0:
		close(d.c)
		d.closed = true
	case !d.armed.IsZero() && !t.Before(d.armed):
		// The timer fires first and re-arms for the rest.
	case d.timer == nil:
		d.timer, d.armed = time.AfterFunc(dur, d.fire), t
	default:
		d.timer.Reset(dur)
		d.armed = t
	}
}

// fire runs when the timer expires: it closes the channel if the deadline
// has passed, or re-arms for a deadline moved later meanwhile.
func (d *deadline) fire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.armed = time.Time{}
	if d.at.IsZero() || d.closed {
		return
	}
	if rest := time.Until(d.at); rest > 0 {
		d.timer.Reset(rest)
		d.armed = d.at
		return
	}
	close(d.c)
	d.closed = true
}

// wait returns the channel that closes at the deadline.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}
