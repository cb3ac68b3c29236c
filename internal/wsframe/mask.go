package wsframe

import (
	"crypto/subtle"
	"encoding/binary"
	"math/bits"
)

// chunk is the size of the key stream XORed per call; a multiple of 4.
const chunk = 512

// Mask applies the RFC 6455 client-to-server masking (XOR with a
// repeating 4-byte key), the hot loop of every WebSocket peer: it XORs b
// in place with key, starting at byte offset off of the masked payload (so
// a payload can be masked in pieces), and returns the offset for the next
// piece. Long pieces use crypto/subtle.XORBytes, vectorised
// on common CPUs, over a key stream built on the stack.
func Mask(key [4]byte, off int, b []byte) int {
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(off&3))
	if len(b) < 128 {
		k64 := uint64(k32) | uint64(k32)<<32
		i := 0
		for ; i+8 <= len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
		}
		for ; i < len(b); i++ {
			b[i] ^= byte(k32 >> (8 * (i & 3)))
		}
		return (off + len(b)) & 3
	}
	var stream [chunk]byte
	n := min(len(b)+3, chunk) &^ 3
	for i := 0; i < n; i += 4 {
		binary.LittleEndian.PutUint32(stream[i:], k32)
	}
	for i := 0; i < len(b); i += chunk {
		end := min(i+chunk, len(b))
		subtle.XORBytes(b[i:end], b[i:end], stream[:end-i])
	}
	return (off + len(b)) & 3
}
