package wsframe

import "encoding/binary"

// Opcodes (RFC 6455 §5.2).
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xA
)

// Bits of the first two header bytes.
const (
	BitFin  byte = 0x80 // byte 0: final fragment
	BitsRsv byte = 0x70 // byte 0: reserved bits, zero without extensions
	BitMask byte = 0x80 // byte 1: payload masked
)

// Header sizes and the control frame limit.
const (
	// MaxHeaderSize is the largest header: 2 + 8 (length) + 4 (mask key).
	MaxHeaderSize = 14
	// MaxServerHeaderSize is the largest unmasked header.
	MaxServerHeaderSize = 10
	// MaxControlPayload is the largest payload of a control frame.
	MaxControlPayload = 125
)

// AppendHeader appends the header of an unmasked, final frame (what a
// server sends) with opcode op and an n-byte payload.
func AppendHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, BitFin|op)
	return appendLength(dst, 0, n)
}

// AppendMaskedHeader appends the header of a masked, final frame (what a
// client sends) with opcode op, an n-byte payload and masking key key. The
// caller masks the payload with Mask(key, 0, payload).
func AppendMaskedHeader(dst []byte, op byte, n int, key [4]byte) []byte {
	dst = append(dst, BitFin|op)
	dst = appendLength(dst, BitMask, n)
	return append(dst, key[:]...)
}

// AppendClientFrame appends a whole masked, final frame carrying payload.
func AppendClientFrame(dst []byte, op byte, payload []byte, key [4]byte) []byte {
	dst = AppendMaskedHeader(dst, op, len(payload), key)
	start := len(dst)
	dst = append(dst, payload...)
	Mask(key, 0, dst[start:])
	return dst
}

// appendLength appends the second header byte (with mask bit m) and the
// extended length, in the shortest form.
func appendLength(dst []byte, m byte, n int) []byte {
	switch {
	case n <= 125:
		return append(dst, m|byte(n))
	case n <= 0xFFFF:
		return append(dst, m|126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, m|127), uint64(n))
}

// Header is a parsed frame header.
type Header struct {
	Fin    bool
	Rsv    byte // the reserved bits, in place (BitsRsv)
	Op     byte
	Masked bool
	Length uint64  // payload length
	Mask   [4]byte // masking key, if Masked
	Size   int     // bytes of header on the wire
}

// ParseHeader parses the header at the start of b. ok is false when b does
// not hold the whole header yet.
func ParseHeader(b []byte) (h Header, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.Fin = b[0]&BitFin != 0
	h.Rsv = b[0] & BitsRsv
	h.Op = b[0] & 0x0F
	h.Masked = b[1]&BitMask != 0
	h.Size = 2
	n := b[1] & 0x7F
	switch n {
	case 126:
		h.Size += 2
	case 127:
		h.Size += 8
	default:
		h.Length = uint64(n)
	}
	if h.Masked {
		h.Size += 4
	}
	if len(b) < h.Size {
		return h, false
	}
	switch n {
	case 126:
		h.Length = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		h.Length = binary.BigEndian.Uint64(b[2:])
	}
	if h.Masked {
		copy(h.Mask[:], b[h.Size-4:h.Size])
	}
	return h, true
}
