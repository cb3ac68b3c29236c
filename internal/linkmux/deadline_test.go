package linkmux

import (
	"testing"
	"time"
)

func closedWithin(c <-chan struct{}, d time.Duration) bool {
	select {
	case <-c:
		return true
	default:
	}
	select {
	case <-c:
		return true
	case <-time.After(d):
		return false
	}
}

// TestDeadlineMovedLater: a deadline moved later fires at the later time,
// not at the earlier one its timer was armed for.
func TestDeadlineMovedLater(t *testing.T) {
	d := newDeadline()
	start := time.Now()
	d.set(start.Add(20 * time.Millisecond))
	d.set(start.Add(150 * time.Millisecond))
	if !closedWithin(d.wait(), 5*time.Second) {
		t.Fatal("deadline never fired")
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Fatalf("fired after %v, before the moved deadline", el)
	}
}

// TestDeadlineMovedEarlier fires at the earlier time.
func TestDeadlineMovedEarlier(t *testing.T) {
	d := newDeadline()
	d.set(time.Now().Add(time.Hour))
	d.set(time.Now().Add(10 * time.Millisecond))
	if !closedWithin(d.wait(), 5*time.Second) {
		t.Fatal("deadline moved earlier never fired")
	}
}

// TestDeadlineClearedAndReset: clearing keeps the channel open past the
// old time; a deadline in the past closes at once; setting one after that
// opens a fresh channel.
func TestDeadlineClearedAndReset(t *testing.T) {
	d := newDeadline()
	d.set(time.Now().Add(10 * time.Millisecond))
	d.set(time.Time{})
	if closedWithin(d.wait(), 60*time.Millisecond) {
		t.Fatal("cleared deadline fired")
	}
	d.set(time.Now().Add(-time.Second))
	if !closedWithin(d.wait(), 0) {
		t.Fatal("deadline in the past is not closed at once")
	}
	d.set(time.Now().Add(time.Hour))
	if closedWithin(d.wait(), 20*time.Millisecond) {
		t.Fatal("deadline set after expiry is still closed")
	}
}
