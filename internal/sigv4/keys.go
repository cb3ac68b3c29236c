package sigv4

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
)

// Key is one accepted credential.
type Key struct {
	// AccessKeyID identifies the key in the credential scope.
	AccessKeyID string
	// SecretAccessKey derives the signing key; it is never logged or echoed.
	SecretAccessKey string
	// SessionToken, when set, must be sent as X-Amz-Security-Token.
	SessionToken string
	// Name labels the key, for example its credentials-file section.
	Name string
}

// KeyStore looks up keys by access key id.
type KeyStore interface {
	// Secret returns the key with the given access key id, if it exists.
	Secret(accessKeyID string) (Key, bool)
}

// StaticKeys is a KeyStore held in memory, indexed by access key id.
type StaticKeys map[string]Key

// Secret implements KeyStore.
func (s StaticKeys) Secret(accessKeyID string) (Key, bool) {
	k, ok := s[accessKeyID]
	return k, ok
}

// GenerateKey returns a new random key labelled name: an access key id of
// "AKIA" plus 16 base32 characters, and a 40-character secret, both from
// crypto/rand.
func GenerateKey(name string) Key {
	var id [10]byte
	var secret [30]byte
	rand.Read(id[:])
	rand.Read(secret[:])
	return Key{
		AccessKeyID:     "AKIA" + base32.StdEncoding.EncodeToString(id[:]),
		SecretAccessKey: base64.StdEncoding.EncodeToString(secret[:]),
		Name:            name,
	}
}
