package linkmux

import (
	"errors"
	"io"
)

// inBuffer is the size of a session's read buffer: several full frames,
// so that one read takes in what a busy link has queued.
const inBuffer = 256 << 10

// inbuf is the read loop's buffer over the link's connection. Frames are
// parsed in place: a payload is handed on as a view of the buffer, valid
// until the next call, and copied only if it has to wait.
type inbuf struct {
	src  io.Reader
	buf  []byte
	r, w int // unread bytes: buf[r:w]
}

func newInbuf(src io.Reader) *inbuf {
	return &inbuf{src: src, buf: make([]byte, inBuffer)}
}

// next returns the next n bytes (n <= inBuffer) as a view of the buffer,
// valid until the next call.
func (b *inbuf) next(n int) ([]byte, error) {
	if err := b.fill(n); err != nil {
		return nil, err
	}
	p := b.buf[b.r : b.r+n]
	b.r += n
	return p, nil
}

// fill reads until at least n bytes are buffered.
func (b *inbuf) fill(n int) error {
	if b.w-b.r >= n {
		return nil
	}
	if len(b.buf)-b.r < n {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	for b.w-b.r < n {
		k, err := b.src.Read(b.buf[b.w:])
		b.w += k
		if err != nil && b.w-b.r < n {
			if errors.Is(err, io.EOF) && b.w > b.r {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// nextData returns the payload of the next frame when it is already
// buffered whole and is a DATA frame of stream id, and consumes the frame;
// otherwise it returns nil and consumes nothing.
func (b *inbuf) nextData(id uint32) []byte {
	if b.w-b.r < headerSize {
		return nil
	}
	var h header
	copy(h[:], b.buf[b.r:])
	n := int(h.length())
	if h.typ() != typeData || h.id() != id || h.check() != nil || b.w-b.r < headerSize+n {
		return nil
	}
	b.r += headerSize + n
	return b.buf[b.r-n : b.r]
}
