package relay

import (
	"encoding/binary"
	"fmt"
	"github.com/adit-project/adit/internal/wsmask"

	"github.com/adit-project/adit/internal/wire"
)

// ruleWebSocket covers breaches of RFC 6455 framing itself (reserved bits
// or opcodes, unmasked client frames, bad continuation or control frames).
const ruleWebSocket wire.Rule = "websocket_protocol_error"

// eventKind is what frameReader.next found.
type eventKind uint8

const (
	evNeedMore eventKind = iota // read more bytes
	evFrame                     // a complete tunnel frame (prefix + message)
	evPing                      // a ping; data is its payload
	evPong                      // a pong; ignored by the relay
	evClose                     // a Close frame; code, hasCode
)

// event is one result of frameReader.next. data aliases the read buffer
// and stays valid until the next call of space.
type event struct {
	kind    eventKind
	data    []byte
	code    uint16
	hasCode bool
}

// frameReader turns the bytes of a client's WebSocket into tunnel frames
// and control frames. Tunnel frames form one byte stream across WebSocket
// frames and messages (PROTOCOL.md §3.4), so the payload of each data frame
// is unmasked in place and moved down to join the partial tunnel frame
// before it, and a complete tunnel frame is always one contiguous slice.
//
// Buffer layout (all offsets into buf):
//
//	[ free | data: unmasked stream bytes | gap | raw: unparsed bytes | free ]
//	       dPos                     dEnd       rPos               rEnd
//
// Idle peers read into the small buffer; a big one comes from the pool
// only while a partial frame needs more room, and goes back when the
// buffer is empty again.
type frameReader struct {
	small []byte
	big   *[]byte
	buf   []byte

	dPos, dEnd, rPos, rEnd int

	remaining uint64  // payload bytes left in the current data frame
	mask      [4]byte // its masking key
	maskOff   int     // key offset of the next payload byte
	inMessage bool    // a fragmented data message is in progress
	msgLen    uint64  // payload bytes of that message so far
}

func newFrameReader(small []byte) frameReader {
	return frameReader{small: small, buf: small}
}

// minRead is the least free space worth a read() call.
const minRead = 512

// space returns the slice the next read should fill, compacting or
// switching buffers first.
func (r *frameReader) space() []byte {
	if r.dPos == r.dEnd && r.rPos == r.rEnd {
		r.dPos, r.dEnd, r.rPos, r.rEnd = 0, 0, 0, 0
		r.releaseBig()
	}
	if len(r.buf)-r.rEnd < minRead {
		r.compact()
	}
	live := uint64(r.dEnd-r.dPos) + uint64(r.rEnd-r.rPos) + r.remaining
	if r.big == nil && (len(r.buf)-r.rEnd < minRead || live > uint64(len(r.small))) {
		r.big = getBuf()
		r.buf = r.moveTo(*r.big)
	}
	return r.buf[r.rEnd:]
}

// advance records that n bytes were read into space().
func (r *frameReader) advance(n int) { r.rEnd += n }

// preload puts bytes that arrived with the handshake into the buffer.
func (r *frameReader) preload(b []byte) {
	for len(b) > 0 {
		n := copy(r.space(), b)
		r.advance(n)
		b = b[n:]
	}
}

// compact moves the live bytes to the start of the buffer.
func (r *frameReader) compact() { r.buf = r.moveTo(r.buf) }

// moveTo copies the data and raw regions, closing the gap, to the start
// of dst and makes dst the buffer. dst may be r.buf itself.
func (r *frameReader) moveTo(dst []byte) []byte {
	n := copy(dst, r.buf[r.dPos:r.dEnd])
	m := copy(dst[n:], r.buf[r.rPos:r.rEnd])
	r.dPos, r.dEnd, r.rPos, r.rEnd = 0, n, n, n+m
	return dst
}

// releaseBig returns the big buffer to the pool; the reader must be empty.
func (r *frameReader) releaseBig() {
	if r.big != nil {
		putBuf(r.big)
		r.big = nil
		r.buf = r.small
	}
}

// next returns the next event, evNeedMore when the buffered bytes hold no
// complete one, or a *wire.RuleError for a protocol violation.
func (r *frameReader) next() (event, error) {
	for {
		if f, err := r.tunnelFrame(); f != nil || err != nil {
			return event{kind: evFrame, data: f}, err
		}
		if r.remaining > 0 {
			if !r.payload() {
				return event{}, nil
			}
			continue
		}
		h, ok := parseFrameHeader(r.buf[r.rPos:r.rEnd])
		if !ok {
			return event{}, nil
		}
		if err := r.checkHeader(&h); err != nil {
			return event{}, err
		}
		if h.op >= opClose {
			if uint64(r.rEnd-r.rPos) < uint64(h.size)+h.length {
				return event{}, nil
			}
			return r.control(&h)
		}
		r.rPos += h.size
		r.remaining, r.mask, r.maskOff = h.length, h.mask, 0
		r.inMessage = !h.fin
		if r.dPos == r.dEnd {
			r.dPos, r.dEnd = r.rPos, r.rPos
		}
	}
}

// tunnelFrame splits one complete tunnel frame off the data region.
func (r *frameReader) tunnelFrame() ([]byte, error) {
	d := r.buf[r.dPos:r.dEnd]
	if len(d) < wire.LengthPrefixSize {
		return nil, nil
	}
	n := wire.LengthPrefixSize + int(binary.BigEndian.Uint16(d))
	if n == wire.LengthPrefixSize {
		return nil, &wire.RuleError{Rule: wire.RuleZeroLength, Detail: "tunnel frame with length 0"}
	}
	if len(d) < n {
		return nil, nil
	}
	r.dPos += n
	if r.dPos == r.dEnd {
		r.dPos, r.dEnd = r.rPos, r.rPos
	}
	return d[:n:n], nil
}

// payload unmasks the buffered part of the current data frame's payload
// and appends it to the data region. It reports whether it made progress.
func (r *frameReader) payload() bool {
	k := uint64(r.rEnd - r.rPos)
	if k > r.remaining {
		k = r.remaining
	}
	if k == 0 {
		return false
	}
	p := r.buf[r.rPos : r.rPos+int(k)]
	r.maskOff = wsmask.Mask(r.mask, r.maskOff, p)
	if r.dEnd != r.rPos {
		copy(r.buf[r.dEnd:], p)
	}
	r.dEnd += int(k)
	r.rPos += int(k)
	r.remaining -= k
	return true
}

// checkHeader applies the RFC 6455 and PROTOCOL.md §3.4 rules to a client
// frame header and tracks fragmented messages.
func (r *frameReader) checkHeader(h *frameHeader) error {
	switch {
	case h.rsv != 0:
		return wsViolation("reserved header bits set")
	case !h.masked:
		return wsViolation("unmasked client frame")
	case h.op >= opClose && h.op <= opPong:
		if !h.fin || h.length > maxControlPayload {
			return wsViolation("fragmented or oversized control frame")
		}
		return nil
	case h.op == opText:
		return &wire.RuleError{Rule: wire.RuleTextFrame, Detail: "text frames are not allowed"}
	case h.op == opBinary && r.inMessage:
		return wsViolation("new message inside a fragmented message")
	case h.op == opContinuation && !r.inMessage:
		return wsViolation("continuation frame without a message")
	case h.op != opBinary && h.op != opContinuation:
		return wsViolation(fmt.Sprintf("reserved opcode %#x", h.op))
	}
	if h.op == opBinary {
		r.msgLen = 0
	}
	if h.length <= wire.MaxWSMessage {
		r.msgLen += h.length
	}
	if h.length > wire.MaxWSMessage || r.msgLen > wire.MaxWSMessage {
		return &wire.RuleError{Rule: wire.RuleFrameTooLarge,
			Detail: fmt.Sprintf("WebSocket message payload over %d bytes", wire.MaxWSMessage)}
	}
	return nil
}

// control consumes a complete control frame.
func (r *frameReader) control(h *frameHeader) (event, error) {
	p := r.buf[r.rPos+h.size : r.rPos+h.size+int(h.length)]
	wsmask.Mask(h.mask, 0, p)
	r.rPos += h.size + int(h.length)
	if r.dPos == r.dEnd {
		r.dPos, r.dEnd = r.rPos, r.rPos
	}
	switch h.op {
	case opPing:
		return event{kind: evPing, data: p}, nil
	case opPong:
		return event{kind: evPong, data: p}, nil
	}
	switch len(p) {
	case 0:
		return event{kind: evClose}, nil
	case 1:
		return event{}, wsViolation("close frame with a 1-byte payload")
	}
	return event{kind: evClose, code: binary.BigEndian.Uint16(p), hasCode: true, data: p[2:]}, nil
}

// pending reports whether a partial tunnel frame is buffered.
// buffered reports whether bytes past the frame just returned are already
// in the buffer: more frames of the same read follow.
func (r *frameReader) buffered() bool { return r.dPos != r.dEnd || r.rPos != r.rEnd }

func (r *frameReader) pending() bool { return r.dPos != r.dEnd || r.remaining > 0 || r.inMessage }

func wsViolation(detail string) error {
	return &wire.RuleError{Rule: ruleWebSocket, Detail: detail}
}
