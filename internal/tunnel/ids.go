package tunnel

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every access token this service issues, so leaked
// tokens are easy to find with grep.
const TokenPrefix = "adt1."

// NewID returns a new tunnel id: a random lowercase UUIDv4.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ARN builds the ARN of tunnel id: arn:<partition>:iot:<region>:<account>:tunnel/<id>.
func ARN(partition, region, account, id string) string {
	return "arn:" + partition + ":iot:" + region + ":" + account + ":tunnel/" + id
}

// IDFromARN returns the tunnel id at the end of an ARN of the tunnel/
// resource type, and whether s had that shape.
func IDFromARN(s string) (string, bool) {
	i := strings.LastIndex(s, ":tunnel/")
	if !strings.HasPrefix(s, "arn:") || i < 0 {
		return "", false
	}
	id := s[i+len(":tunnel/"):]
	return id, id != ""
}

// NewToken returns a new client access token: TokenPrefix followed by 32
// random bytes in unpadded base64url.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:])
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is the SHA-256 of an access token; only hashes are stored.
type TokenHash [sha256.Size]byte

// HashToken returns the hash under which token is stored.
func HashToken(token string) TokenHash {
	return sha256.Sum256([]byte(token))
}

// Equal compares two hashes in constant time.
func (h TokenHash) Equal(o TokenHash) bool {
	return subtle.ConstantTimeCompare(h[:], o[:]) == 1
}
