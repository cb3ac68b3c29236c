package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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

// Reader reads length-prefixed frames from a byte stream that may split or
// join frames arbitrarily.
type Reader struct {
	br  *bufio.Reader
	buf []byte
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the bytes of the next message (without its prefix). The
// slice is valid until the next call. At a clean end of stream it returns
// io.EOF; a stream that ends inside a frame gives io.ErrUnexpectedEOF.
func (r *Reader) Next() ([]byte, error) {
	var p [LengthPrefixSize]byte
	if _, err := io.ReadFull(r.br, p[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(p[:]))
	if n == 0 {
		return nil, ErrZeroLength
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n, MaxMessageSize)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("wire: read %d-byte message: %w", n, err)
	}
	return b, nil
}

// SplitFrame splits the first complete frame off buf. It returns the
// message bytes and the rest; ok is false when buf holds no complete frame
// yet (need more bytes). A zero length prefix is an error.
func SplitFrame(buf []byte) (msg, rest []byte, ok bool, err error) {
	if len(buf) < LengthPrefixSize {
		return nil, buf, false, nil
	}
	n := int(binary.BigEndian.Uint16(buf))
	if n == 0 {
		return nil, buf, false, ErrZeroLength
	}
	if len(buf) < LengthPrefixSize+n {
		return nil, buf, false, nil
	}
	return buf[2 : 2+n], buf[2+n:], true, nil
}
