package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// SigningKey derives the SigV4 signing key of secret for one day
// (YYYYMMDD), region and service. A signer may keep it for that day
// instead of deriving it for every request, as the AWS SDKs do; the
// signature of each request still covers that request.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// SignString returns the hex HMAC-SHA256 of the string to sign under a
// signing key: the request's signature.
func SignString(signingKey []byte, sts string) string {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// keyCacheMax bounds a keyCache. The scope's region is the client's
// text when Config.Region is empty, so the cache must not grow with it;
// a full cache starts over.
const keyCacheMax = 256

// keyCache keeps derived signing keys by secret and scope, so that a
// Verifier derives each at most once per day and scope (four HMACs
// saved per request). It is safe for concurrent use.
type keyCache struct {
	mu sync.Mutex
	m  map[keyScope][]byte
}

// keyScope identifies one signing key.
type keyScope struct{ secret, date, region, service string }

// get returns the signing key of secret for the scope, deriving it when
// it is not cached.
func (c *keyCache) get(secret, date, region, service string) []byte {
	id := keyScope{secret, date, region, service}
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = SigningKey(secret, date, region, service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = make(map[keyScope][]byte)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}
