package wsframe

import (
	"fmt"
	"strconv"
)

// Role says which side of the WebSocket a Reader reads for.
type Role uint8

const (
	// Server reads a client's frames, which must be masked.
	Server Role = iota
	// Client reads a server's frames, which must not be masked.
	Client
)

// SplitFunc returns the length of the first complete record at the start
// of b, or 0 when b holds none yet. An error ends the stream.
type SplitFunc func(b []byte) (int, error)

// Pool lends the large buffer a Reader switches to while a record does
// not fit its small one.
type Pool interface {
	Get() *[]byte
	Put(*[]byte)
}

// EventKind is what Reader.Next found.
type EventKind uint8

const (
	NeedMore   EventKind = iota // read more bytes (Space, Advance)
	Record                      // a complete record of the data stream
	Ping                        // a ping; Data is its payload
	Pong                        // a pong; Data is its payload
	CloseFrame                  // a Close frame; Data is its payload (ParseClose)
)

// Event is one result of Reader.Next. Data aliases the read buffer and
// stays valid until the next call of Space.
type Event struct {
	Kind EventKind
	Data []byte
}

// Reader turns the bytes of a WebSocket into records of its data stream
// and control frames, without copying them out of its buffer. The data
// stream runs on across data frames and messages, so the payload of each
// data frame is unmasked in place and moved down to join the partial
// record before it, and a complete record is always one contiguous slice.
//
// Buffer layout (all offsets into buf):
//
//	[ free | data: unmasked stream bytes | gap | raw: unparsed bytes | free ]
//	       dPos                     dEnd       rPos               rEnd
//
// An idle reader reads into its small buffer; the big one comes from the
// pool only while live bytes need more room, and goes back when the
// buffer is empty again.
type Reader struct {
	role   Role
	split  SplitFunc
	maxMsg uint64
	pool   Pool
	small  []byte
	big    *[]byte
	buf    []byte

	dPos, dEnd, rPos, rEnd int

	remaining uint64  // payload bytes left in the current data frame
	mask      [4]byte // its masking key (zero for an unmasked frame)
	maskOff   int     // key offset of the next payload byte
	inMessage bool    // a fragmented data message is in progress
	msgLen    uint64  // payload bytes of that message so far
}

// NewReader returns a Reader for role that reads into small, borrows
// larger buffers from pool, cuts records with split and accepts messages
// of at most maxMessage payload bytes. The big buffers must hold the
// largest record plus maxMessage and a control frame.
func NewReader(role Role, small []byte, pool Pool, split SplitFunc, maxMessage uint64) Reader {
	return Reader{role: role, split: split, maxMsg: maxMessage, pool: pool, small: small, buf: small}
}

// MinRead is the least free space Space returns.
const MinRead = 512

// Space returns the slice the next read should fill, compacting or
// switching buffers first.
func (r *Reader) Space() []byte {
	if r.dPos == r.dEnd && r.rPos == r.rEnd {
		r.dPos, r.dEnd, r.rPos, r.rEnd = 0, 0, 0, 0
		r.Release()
	}
	if len(r.buf)-r.rEnd < MinRead {
		r.buf = r.moveTo(r.buf)
	}
	live := uint64(r.dEnd-r.dPos) + uint64(r.rEnd-r.rPos) + r.remaining
	if r.big == nil && (len(r.buf)-r.rEnd < MinRead || live > uint64(len(r.small))) {
		r.big = r.pool.Get()
		r.buf = r.moveTo(*r.big)
	}
	return r.buf[r.rEnd:]
}

// Advance records that n bytes were read into Space().
func (r *Reader) Advance(n int) { r.rEnd += n }

// Preload puts bytes that arrived with the handshake into the buffer.
func (r *Reader) Preload(b []byte) {
	for len(b) > 0 {
		n := copy(r.Space(), b)
		r.Advance(n)
		b = b[n:]
	}
}

// moveTo copies the data and raw regions, closing the gap, to the start
// of dst and makes dst the buffer. dst may be r.buf itself.
func (r *Reader) moveTo(dst []byte) []byte {
	n := copy(dst, r.buf[r.dPos:r.dEnd])
	m := copy(dst[n:], r.buf[r.rPos:r.rEnd])
	r.dPos, r.dEnd, r.rPos, r.rEnd = 0, n, n, n+m
	return dst
}

// Release returns the big buffer to the pool. The reader must be empty
// (or never used again).
func (r *Reader) Release() {
	if r.big != nil {
		r.pool.Put(r.big)
		r.big = nil
		r.buf = r.small
	}
}

// Buffered reports whether bytes past the event just returned are already
// in the buffer: more events of the same read may follow.
func (r *Reader) Buffered() bool { return r.dPos != r.dEnd || r.rPos != r.rEnd }

// Pending reports whether the stream is inside a record or a message: a
// partial record is buffered, or a data frame or message is unfinished.
func (r *Reader) Pending() bool { return r.dPos != r.dEnd || r.remaining > 0 || r.inMessage }

// Next returns the next event, NeedMore when the buffered bytes hold no
// complete one, or an error: a *Error for a framing error, or what the
// split function returned. After an error the Reader is unusable.
func (r *Reader) Next() (Event, error) {
	for {
		if f, err := r.record(); f != nil || err != nil {
			return Event{Kind: Record, Data: f}, err
		}
		if r.remaining > 0 {
			if !r.payload() {
				return Event{}, nil
			}
			continue
		}
		h, ok := ParseHeader(r.buf[r.rPos:r.rEnd])
		if !ok {
			return Event{}, nil
		}
		if err := r.check(&h); err != nil {
			return Event{}, err
		}
		if h.Op >= OpClose {
			if uint64(r.rEnd-r.rPos) < uint64(h.Size)+h.Length {
				return Event{}, nil
			}
			return r.control(&h)
		}
		r.rPos += h.Size
		r.remaining, r.mask, r.maskOff = h.Length, h.Mask, 0
		r.inMessage = !h.Fin
		if r.dPos == r.dEnd {
			r.dPos, r.dEnd = r.rPos, r.rPos
		}
	}
}

// record splits one complete record off the data region.
func (r *Reader) record() ([]byte, error) {
	d := r.buf[r.dPos:r.dEnd]
	if len(d) == 0 {
		return nil, nil
	}
	n, err := r.split(d)
	if n == 0 || err != nil {
		return nil, err
	}
	r.dPos += n
	if r.dPos == r.dEnd {
		r.dPos, r.dEnd = r.rPos, r.rPos
	}
	return d[:n:n], nil
}

// payload unmasks the buffered part of the current data frame's payload
// and appends it to the data region. It reports whether it made progress.
func (r *Reader) payload() bool {
	k := min(uint64(r.rEnd-r.rPos), r.remaining)
	if k == 0 {
		return false
	}
	p := r.buf[r.rPos : r.rPos+int(k)]
	if r.role == Server {
		r.maskOff = Mask(r.mask, r.maskOff, p)
	}
	if r.dEnd != r.rPos {
		copy(r.buf[r.dEnd:], p)
	}
	r.dEnd += int(k)
	r.rPos += int(k)
	r.remaining -= k
	return true
}

// check applies the RFC 6455 rules to a frame header and tracks
// fragmented messages and their size.
func (r *Reader) check(h *Header) error {
	switch {
	case h.Rsv != 0:
		return protocolError("reserved header bits set")
	case !h.Masked && r.role == Server:
		return protocolError("unmasked client frame")
	case h.Masked && r.role == Client:
		return protocolError("masked server frame")
	case h.Op >= OpClose && h.Op <= OpPong:
		if !h.Fin || h.Length > MaxControlPayload {
			return protocolError("fragmented or oversized control frame")
		}
		return nil
	case h.Op == OpText:
		return &Error{Kind: TextMessage, Detail: "text frames are not allowed"}
	case h.Op == OpBinary && r.inMessage:
		return protocolError("new message inside a fragmented message")
	case h.Op == OpContinuation && !r.inMessage:
		return protocolError("continuation frame without a message")
	case h.Op != OpBinary && h.Op != OpContinuation:
		return protocolError(fmt.Sprintf("reserved opcode %#x", h.Op))
	}
	if h.Op == OpBinary {
		r.msgLen = 0
	}
	if h.Length <= r.maxMsg {
		r.msgLen += h.Length
	}
	if h.Length > r.maxMsg || r.msgLen > r.maxMsg {
		return &Error{Kind: MessageTooBig, Detail: "WebSocket message payload over " + strconv.FormatUint(r.maxMsg, 10) + " bytes"}
	}
	return nil
}

// control consumes a complete control frame.
func (r *Reader) control(h *Header) (Event, error) {
	p := r.buf[r.rPos+h.Size : r.rPos+h.Size+int(h.Length)]
	if r.role == Server {
		Mask(h.Mask, 0, p)
	}
	r.rPos += h.Size + int(h.Length)
	if r.dPos == r.dEnd {
		r.dPos, r.dEnd = r.rPos, r.rPos
	}
	switch h.Op {
	case OpPing:
		return Event{Kind: Ping, Data: p}, nil
	case OpPong:
		return Event{Kind: Pong, Data: p}, nil
	}
	if _, err := ParseClose(p); err != nil {
		return Event{}, err
	}
	return Event{Kind: CloseFrame, Data: p}, nil
}
