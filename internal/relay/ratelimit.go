package relay

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiterSet holds one token bucket per key (an access-token hash or a
// remote address) in a map of at most max entries. Entries idle long
// enough to have refilled are equivalent to new ones and are evicted
// first; if the map is still full, arbitrary entries go.
type limiterSet[K comparable] struct {
	limit rate.Limit
	burst int
	max   int
	idle  time.Duration // time to refill a whole burst

	mu sync.Mutex
	m  map[K]*limiterEntry
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiterSet[K comparable](perSecond float64, burst, max int) *limiterSet[K] {
	return &limiterSet[K]{
		limit: rate.Limit(perSecond),
		burst: burst,
		max:   max,
		idle:  time.Duration(float64(burst) / perSecond * float64(time.Second)),
		m:     make(map[K]*limiterEntry),
	}
}

// allow takes one token for key at time now and reports whether there was
// one.
func (l *limiterSet[K]) allow(key K, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entry(key, now).lim.AllowN(now, 1)
}

func (l *limiterSet[K]) entry(key K, now time.Time) *limiterEntry {
	e := l.m[key]
	if e == nil {
		if len(l.m) >= l.max {
			l.evict(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.m[key] = e
	}
	e.last = now
	return e
}

// evict drops refilled entries, then arbitrary ones down to 7/8 of max.
func (l *limiterSet[K]) evict(now time.Time) {
	for k, e := range l.m {
		if now.Sub(e.last) >= l.idle {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) <= l.max-l.max/8 {
			break
		}
		delete(l.m, k)
	}
}
