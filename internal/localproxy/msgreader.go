package localproxy

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/adit-project/adit/internal/wire"
)

// msgReaderSize is the reassembly buffer of the session reader: room for
// several maximal tunnel frames, so reads are large and compaction rare.
const msgReaderSize = 256 << 10

// minReadRoom is the least free space worth a read call.
const minReadRoom = 4 << 10

// msgReader splits the tunnel byte stream into messages without copying
// them: the WebSocket payload is read straight into buf (gorilla's own
// buffer is small, so large payloads bypass it), and next returns slices
// of buf. Only the bytes of a frame cut by the end of buf are moved, to
// its start.
type msgReader struct {
	src  io.Reader
	buf  []byte
	r, w int // unparsed bytes are buf[r:w]
}

func newMsgReader(src io.Reader) *msgReader {
	return &msgReader{src: src, buf: make([]byte, msgReaderSize)}
}

// next returns the bytes of the next message (without its prefix). The
// slice is valid until the next call. At a clean end of stream it returns
// io.EOF; a stream that ends inside a frame gives io.ErrUnexpectedEOF.
func (m *msgReader) next() ([]byte, error) {
	for {
		avail := m.w - m.r
		need := wire.LengthPrefixSize // bytes the next message needs in all
		if avail >= wire.LengthPrefixSize {
			n := int(binary.BigEndian.Uint16(m.buf[m.r:]))
			if n == 0 {
				return nil, wire.ErrZeroLength
			}
			need += n
			if avail >= need {
				b := m.buf[m.r+wire.LengthPrefixSize : m.r+need]
				m.r += need
				return b, nil
			}
		}
		if avail == 0 {
			m.r, m.w = 0, 0
		} else if len(m.buf)-m.r < max(need, minReadRoom) {
			copy(m.buf, m.buf[m.r:m.w])
			m.r, m.w = 0, avail
		}
		k, err := m.src.Read(m.buf[m.w:])
		m.w += k
		if err != nil {
			if err == io.EOF {
				if m.w == m.r {
					return nil, io.EOF
				}
				err = io.ErrUnexpectedEOF
			}
			if k > 0 && m.w-m.r >= need {
				continue // deliver what arrived; the error comes back next read
			}
			return nil, fmt.Errorf("wire: read message: %w", err)
		}
	}
}
