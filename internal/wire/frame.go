package wire

import (
	"encoding/binary"
	"errors"
)

// Size limits of the protocol.
const (
	// LengthPrefixSize is the size of the big-endian frame length.
	LengthPrefixSize = 2
	// MaxMessageSize is the largest encoded message a length prefix allows.
	MaxMessageSize = 65535
	// MaxPayload is the largest payload (field 4) a message may carry.
	MaxPayload = 64512
	// MaxWSMessage is the largest WebSocket frame payload either side may
	// send or accept (2 × (65536 + 2)).
	MaxWSMessage = 131076
)

// Framing errors.
var (
	ErrZeroLength      = errors.New("wire: zero-length frame")
	ErrMessageTooLarge = errors.New("wire: message larger than 65535 bytes")
)

// AppendFrame appends m with its 2-byte length prefix to dst.
func AppendFrame(dst []byte, m *Message) ([]byte, error) {
	n := m.Size()
	if n > MaxMessageSize {
		return dst, ErrMessageTooLarge
	}
	if n == 0 {
		return dst, ErrZeroLength
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	return m.AppendMarshal(dst), nil
}

// FrameSize is the tunnel's one frame splitter: it returns the size of
// the first complete frame at the start of buf, prefix included, or 0 when
// buf holds no complete frame yet. A zero length prefix is ErrZeroLength.
// Its signature is a wsframe.SplitFunc, so a WebSocket reader cuts the
// stream with it in place.
func FrameSize(buf []byte) (int, error) {
	if len(buf) < LengthPrefixSize {
		return 0, nil
	}
	n := LengthPrefixSize + int(binary.BigEndian.Uint16(buf))
	if n == LengthPrefixSize {
		return 0, ErrZeroLength
	}
	if len(buf) < n {
		return 0, nil
	}
	return n, nil
}

// SplitFrame splits the first complete frame off buf with FrameSize. It
// returns the message bytes (without the prefix) and the rest; ok is false
// when buf holds no complete frame yet (need more bytes).
func SplitFrame(buf []byte) (msg, rest []byte, ok bool, err error) {
	n, err := FrameSize(buf)
	if n == 0 || err != nil {
		return nil, buf, false, err
	}
	return buf[LengthPrefixSize:n], buf[n:], true, nil
}
