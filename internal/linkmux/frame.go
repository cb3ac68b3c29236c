package linkmux

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame types.
const (
	typeData byte = iota
	typeOpen
	typeCredit
	typeClose
	typeReset
	typePing
	typePong
	typeCount // first invalid type
)

// Sizes and limits.
const (
	headerSize = 9
	// MaxFrame is the largest payload of one DATA frame.
	MaxFrame = 64 << 10
	// openWindow is the credit each side of a new stream starts with: a
	// sender may send that much before any CREDIT.
	openWindow = 2 << 20
	// Window is how many unread bytes this receiver accepts per stream:
	// openWindow, and a CREDIT for the rest as soon as the stream exists
	// (a receiver that grants only openWindow works with it too).
	Window = 4 << 20
	// creditStep: a receiver returns credit once this much was read.
	creditStep = Window / 4
)

// maxCredit is the most one CREDIT frame may grant; more takes several.
const maxCredit = openWindow

// ErrProtocol is a frame the protocol does not allow; the session ends.
var ErrProtocol = errors.New("linkmux: protocol error")

type header [headerSize]byte

func (h *header) encode(typ byte, id, length uint32) {
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:5], id)
	binary.BigEndian.PutUint32(h[5:9], length)
}

func (h *header) typ() byte      { return h[0] }
func (h *header) id() uint32     { return binary.BigEndian.Uint32(h[1:5]) }
func (h *header) length() uint32 { return binary.BigEndian.Uint32(h[5:9]) }

// check reports a header the protocol does not allow.
func (h *header) check() error {
	switch {
	case h.typ() >= typeCount:
		return fmt.Errorf("%w: frame type %d", ErrProtocol, h.typ())
	case h.typ() == typeData && h.length() > MaxFrame:
		return fmt.Errorf("%w: %d-byte data frame", ErrProtocol, h.length())
	case h.typ() == typeCredit && h.length() > maxCredit:
		return fmt.Errorf("%w: credit of %d bytes", ErrProtocol, h.length())
	case h.id() == 0 && h.typ() != typePing && h.typ() != typePong:
		return fmt.Errorf("%w: stream 0", ErrProtocol)
	}
	return nil
}
