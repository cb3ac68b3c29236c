package localproxy

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// msgReaderSize is the reassembly buffer of the session reader: room for
// several maximal tunnel frames, so reads are large and compaction rare.
const msgReaderSize = 256 << 10

// bigBufs lends a reader a second buffer should its own ever be too small
// (it is not: a reader returns every complete message before it reads
// again, so at most one partial message and frame are live).
var bigBufs = lender{sync.Pool{New: func() any {
	b := make([]byte, 2*msgReaderSize)
	return &b
}}}

type lender struct{ p sync.Pool }

func (l *lender) Get() *[]byte  { return l.p.Get().(*[]byte) }
func (l *lender) Put(b *[]byte) { l.p.Put(b) }

// wsHandler is what the session reader does with control frames: answer a
// ping (queued: the reader never waits for the writer), note a pong, and
// write a Close frame (the reply to the service's, or 1002/1009 for a
// framing error), the one frame the reader writes itself.
type wsHandler struct {
	ping      func(payload []byte)
	pong      func(payload []byte)
	sendClose func(code uint16, reason string)
}

// msgReader reads the service's WebSocket through a wsframe.Reader
// (client side) and returns its tunnel messages without copying them:
// frames are read straight into the reader's buffer and cut in place with
// wire.FrameSize.
type msgReader struct {
	src io.Reader
	rd  wsframe.Reader
	h   wsHandler
	err error // the read error, returned once the buffered frames are used
}

func newMsgReader(src io.Reader, early []byte, h wsHandler) *msgReader {
	m := &msgReader{src: src, h: h,
		rd: wsframe.NewReader(wsframe.Client, make([]byte, msgReaderSize), &bigBufs, wire.FrameSize, wire.MaxWSMessage)}
	m.rd.Preload(early)
	return m
}

// next returns the bytes of the next message (without its prefix), valid
// until the next call. A Close frame gives a *closedError, a clean end of
// stream io.EOF, a stream that ends inside a frame io.ErrUnexpectedEOF.
func (m *msgReader) next() ([]byte, error) {
	for {
		ev, err := m.rd.Next()
		if err != nil {
			return nil, m.fail(err)
		}
		switch ev.Kind {
		case wsframe.Record:
			return ev.Data[wire.LengthPrefixSize:], nil
		case wsframe.Ping:
			m.h.ping(ev.Data)
			continue
		case wsframe.Pong:
			m.h.pong(ev.Data)
			continue
		case wsframe.CloseFrame:
			c, _ := wsframe.ParseClose(ev.Data) // Next checked its length
			if err := c.Check(); err != nil {
				return nil, m.fail(err)
			}
			m.h.sendClose(c.Code, "") // echo the code (RFC 6455 §5.5.1)
			return nil, &closedError{code: int(c.Code), text: string(c.Reason)}
		}
		if m.err != nil {
			return nil, m.readError()
		}
		n, err := m.src.Read(m.rd.Space())
		m.rd.Advance(n)
		m.err = err
	}
}

// readError is the error of the failed read, once every complete frame
// before it is used: an end of stream inside a frame is unexpected.
func (m *msgReader) readError() error {
	err := m.err
	if errors.Is(err, io.EOF) && (m.rd.Buffered() || m.rd.Pending()) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read from service: %w", err)
}

// fail answers a framing error (Close 1002 or 1009, as RFC 6455 asks) and
// classifies it: a text or oversized message, or a zero-length tunnel
// frame, is a *ProtocolError; a breach of WebSocket framing is a broken
// connection, which is retried like a lost one.
func (m *msgReader) fail(err error) error {
	var fe *wsframe.Error
	switch {
	case errors.Is(err, wire.ErrZeroLength):
		return &ProtocolError{Detail: "bad framing", Err: err}
	case !errors.As(err, &fe):
		return fmt.Errorf("read from service: %w", err)
	case fe.Kind == wsframe.TextMessage:
		return &ProtocolError{Detail: "text message (the service sends binary only)"}
	case fe.Kind == wsframe.MessageTooBig:
		m.h.sendClose(wsframe.CloseTooBig, "")
		return &ProtocolError{Detail: fmt.Sprintf("WebSocket message larger than %d bytes", wire.MaxWSMessage)}
	}
	m.h.sendClose(wsframe.CloseProtocolError, fe.Detail)
	return fmt.Errorf("read from service: %w", err)
}
