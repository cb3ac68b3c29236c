package api

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiterPrune is the number of principals above which idle limiters are
// dropped. Principals are authenticated, so the set is small in practice.
const limiterPrune = 10000

// limiter is a token bucket per principal (Config.RateLimit).
type limiter struct {
	rate  rate.Limit
	burst int

	mu sync.Mutex
	m  map[string]*rate.Limiter // guarded by mu
}

// newLimiter returns a limiter for perSecond requests per second, or nil
// when perSecond is 0 (off).
func newLimiter(perSecond float64) *limiter {
	if perSecond == 0 {
		return nil
	}
	burst := max(1, int(math.Ceil(perSecond)))
	return &limiter{rate: rate.Limit(perSecond), burst: burst, m: make(map[string]*rate.Limiter)}
}

// allow takes one token from principal's bucket at time now. A nil
// limiter allows everything.
func (l *limiter) allow(principal string, now time.Time) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	b := l.m[principal]
	if b == nil {
		if len(l.m) >= limiterPrune {
			l.pruneLocked(now)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.m[principal] = b
	}
	l.mu.Unlock()
	return b.AllowN(now, 1)
}

// pruneLocked drops the buckets that are full again: forgetting them
// changes nothing for their principals.
func (l *limiter) pruneLocked(now time.Time) {
	for p, b := range l.m {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.m, p)
		}
	}
}
