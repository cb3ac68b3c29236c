package relay

import (
	"encoding/binary"
)

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Bits of the first two header bytes.
const (
	bitFin  = 0x80
	bitsRsv = 0x70
	bitMask = 0x80
)

// maxControlPayload is the largest payload of a control frame.
const maxControlPayload = 125

// maxServerHeader is the largest header appendFrameHeader writes.
const maxServerHeader = 10

// appendFrameHeader appends the header of an unmasked, final server frame
// with opcode op and an n-byte payload.
func appendFrameHeader(dst []byte, op byte, n int) []byte {
	switch {
	case n <= 125:
		return append(dst, bitFin|op, byte(n))
	case n <= 0xFFFF:
		return append(dst, bitFin|op, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, bitFin|op, 127), uint64(n))
}

// frameHeader is a parsed client frame header.
type frameHeader struct {
	fin    bool
	rsv    byte
	op     byte
	masked bool
	length uint64
	mask   [4]byte
	size   int // bytes of header on the wire
}

// parseFrameHeader parses the header at the start of b. ok is false when b
// does not hold the whole header yet.
func parseFrameHeader(b []byte) (h frameHeader, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.fin = b[0]&bitFin != 0
	h.rsv = b[0] & bitsRsv
	h.op = b[0] & 0x0F
	h.masked = b[1]&bitMask != 0
	h.size = 2
	switch n := b[1] & 0x7F; n {
	case 126:
		h.size += 2
	case 127:
		h.size += 8
	default:
		h.length = uint64(n)
	}
	if h.masked {
		h.size += 4
	}
	if len(b) < h.size {
		return h, false
	}
	switch h.size - boolInt(h.masked)*4 {
	case 4:
		h.length = uint64(binary.BigEndian.Uint16(b[2:]))
	case 10:
		h.length = binary.BigEndian.Uint64(b[2:])
	}
	if h.masked {
		copy(h.mask[:], b[h.size-4:h.size])
	}
	return h, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
