package localproxy

import (
	"encoding/binary"
	"sync"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// Layout of a pooled data buffer. The payload is read from the local socket
// straight to payloadOff; the tunnel message header is then written just in
// front of it, the trailing fields (serviceId, connectionId) just after it,
// and the WebSocket frame header in front of everything, so a DATA message
// is never copied on its way out.
const (
	wsHeadroom  = wsframe.MaxHeaderSize
	payloadOff  = 32 // >= wsHeadroom + 2 (prefix) + 12 (type, stream, payload key and length)
	dataBufSize = 64 << 10
)

// dataPool holds *[]byte of dataBufSize bytes.
var dataPool = sync.Pool{New: func() any {
	b := make([]byte, dataBufSize)
	return &b
}}

// frame is one tunnel message (length prefix included) queued for the
// WebSocket writer: buf[off:end]. buf[:off] has room for the WebSocket
// header.
type frame struct {
	buf      []byte
	off, end int
	pooled   *[]byte // dataPool buffer to return once written, or nil
	q        *outq   // owning queue
	credit   bool    // holds q's DATA credit
	op       byte    // WebSocket opcode; 0 means binary
	after    func()  // runs once the frame is written or discarded, or nil
}

// free returns the frame's buffer and credit.
func (f *frame) free() {
	if f.pooled != nil {
		dataPool.Put(f.pooled)
		f.pooled = nil
	}
	if f.credit {
		f.credit = false
		<-f.q.credit
	}
	if f.after != nil {
		after := f.after
		f.after = nil
		after()
	}
}

// controlFrame encodes m into a freshly allocated frame. m must be valid
// (control messages are small, so encoding cannot fail).
func controlFrame(m *wire.Message) frame {
	b := make([]byte, wsHeadroom, wsHeadroom+wire.LengthPrefixSize+m.Size())
	b, err := wire.AppendFrame(b, m)
	if err != nil {
		panic("localproxy: encode control message: " + err.Error())
	}
	return frame{buf: b, off: wsHeadroom, end: len(b)}
}

// dataFrame encodes a DATA message around the n payload bytes already at
// buf[payloadOff:]; fields are in field-number order, as protoc writes them.
func dataFrame(bp *[]byte, n int, streamID int32, serviceID string, connID uint32) frame {
	buf := *bp
	// Trailer: serviceId (5), connectionId (7).
	end := payloadOff + n
	t := buf[end:end]
	if serviceID != "" {
		t = append(binary.AppendUvarint(append(t, 0x2a), uint64(len(serviceID))), serviceID...)
	}
	if connID != 0 {
		t = binary.AppendUvarint(append(t, 0x38), uint64(connID))
	}
	end += len(t)
	// Header: type (1), streamId (2), payload key and length (4).
	var h [16]byte
	hdr := append(h[:0], 0x08, byte(wire.TypeData))
	if streamID != 0 {
		hdr = binary.AppendUvarint(append(hdr, 0x10), uint64(int64(streamID)))
	}
	hdr = binary.AppendUvarint(append(hdr, 0x22), uint64(n))
	size := len(hdr) + n + len(t)
	off := payloadOff - len(hdr) - wire.LengthPrefixSize
	binary.BigEndian.PutUint16(buf[off:], uint16(size))
	copy(buf[off+wire.LengthPrefixSize:], hdr)
	return frame{buf: buf, off: off, end: end, pooled: bp}
}

// wsControlFrame returns a ping or pong frame carrying payload (at most
// 125 bytes).
func wsControlFrame(op byte, payload []byte) frame {
	b := make([]byte, wsHeadroom+len(payload))
	copy(b[wsHeadroom:], payload)
	return frame{buf: b, off: wsHeadroom, end: len(b), op: op}
}

// maskFrame turns f into a masked, final WebSocket frame in place (RFC
// 6455 §5.2): the header goes into the headroom in front of the payload.
// It returns the bytes to write.
func maskFrame(f *frame, key uint32) []byte {
	op := f.op
	if op == 0 {
		op = wsframe.OpBinary
	}
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], key)
	var h [wsframe.MaxHeaderSize]byte
	hdr := wsframe.AppendMaskedHeader(h[:0], op, f.end-f.off, k)
	start := f.off - len(hdr)
	copy(f.buf[start:], hdr)
	wsframe.Mask(k, 0, f.buf[f.off:f.end])
	return f.buf[start:f.end]
}
