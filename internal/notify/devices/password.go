package devices

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Password hashing: PBKDF2-HMAC-SHA256 (stdlib crypto/pbkdf2) with a
// random 16-byte salt and 600,000 iterations (the OWASP 2023 figure),
// encoded as "pbkdf2-sha256$ITERATIONS$SALT$HASH" (unpadded base64).
const (
	hashScheme = "pbkdf2-sha256"
	// Iterations is the PBKDF2 iteration count of new hashes.
	Iterations = 600_000
	// MinIterations refuses hashes that are too cheap.
	MinIterations = 100_000
	saltLen       = 16
	keyLen        = 32
)

var b64 = base64.RawStdEncoding

// HashPassword returns the encoded, salted hash of password with
// Iterations.
func HashPassword(password string) (string, error) {
	return HashPasswordIterations(password, Iterations)
}

// HashPasswordIterations is HashPassword with another iteration count, at
// least MinIterations (tests use the minimum: the race detector makes
// each derivation ten times slower).
func HashPasswordIterations(password string, iterations int) (string, error) {
	if iterations < MinIterations {
		return "", fmt.Errorf("pbkdf2 iterations %d: want at least %d", iterations, MinIterations)
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, keyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s$%d$%s$%s", hashScheme, iterations, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parsedHash is an encoded hash split into its parts.
type parsedHash struct {
	iter      int
	salt, key []byte
}

func parseHash(s string) (parsedHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != hashScheme {
		return parsedHash{}, errors.New("want pbkdf2-sha256$ITERATIONS$SALT$HASH (use `tunneld device add`)")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < MinIterations || iter > 100_000_000 {
		return parsedHash{}, fmt.Errorf("iterations %q: want %d..100000000", parts[1], MinIterations)
	}
	salt, err1 := b64.DecodeString(parts[2])
	key, err2 := b64.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) != keyLen {
		return parsedHash{}, errors.New("salt or hash is not valid unpadded base64 of the right length")
	}
	return parsedHash{iter: iter, salt: salt, key: key}, nil
}

// VerifyPassword reports whether password matches the encoded hash. It
// costs one full PBKDF2 derivation (about a quarter of a second of CPU).
func VerifyPassword(encoded, password string) bool {
	h, err := parseHash(encoded)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, password, h.salt, h.iter, keyLen)
	return err == nil && subtle.ConstantTimeCompare(key, h.key) == 1
}

// GeneratePassword returns a random password of 32 URL-safe characters
// (192 bits).
func GeneratePassword() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
