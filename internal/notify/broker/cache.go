package broker

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/notify/devices"
)

// Password checks cost one PBKDF2 derivation each (about 0.25 s of CPU),
// which a reconnect storm of a whole fleet would multiply. passwordChecker
// remembers the outcome of recent checks, keyed by SHA-256 of (thing,
// stored hash, presented password): a hit costs one fast hash, and a
// changed or revoked credential changes the stored hash and so misses.
// Wrong passwords are remembered too (trying the same wrong password
// again learns nothing new); new guesses pay the full cost, at most
// maxHashing at a time so guessing cannot take every core.
type passwordChecker struct {
	ttl  time.Duration
	sem  chan struct{}
	mu   sync.Mutex
	seen map[[32]byte]cached
}

type cached struct {
	ok      bool
	expires time.Time
}

const (
	cacheTTL     = 5 * time.Minute
	cacheEntries = 8192
	maxHashing   = 2
)

func newPasswordChecker() *passwordChecker {
	return &passwordChecker{ttl: cacheTTL, sem: make(chan struct{}, maxHashing), seen: map[[32]byte]cached{}}
}

// check reports whether password matches the stored hash of thing.
func (p *passwordChecker) check(thing, hash string, password []byte) bool {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(thing), []byte(hash), password} {
		h.Write([]byte{byte(len(part) >> 8), byte(len(part))})
		h.Write(part)
	}
	var key [32]byte
	h.Sum(key[:0])
	now := time.Now()
	p.mu.Lock()
	c, hit := p.seen[key]
	p.mu.Unlock()
	if hit && now.Before(c.expires) {
		return c.ok
	}
	p.sem <- struct{}{}
	ok := devices.VerifyPassword(hash, string(password))
	<-p.sem
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) >= cacheEntries {
		p.evict(now)
	}
	p.seen[key] = cached{ok: ok, expires: now.Add(p.ttl)}
	return ok
}

// evict drops expired entries, or all of them if none has expired.
func (p *passwordChecker) evict(now time.Time) {
	for k, c := range p.seen {
		if !now.Before(c.expires) {
			delete(p.seen, k)
		}
	}
	if len(p.seen) >= cacheEntries {
		clear(p.seen)
	}
}
