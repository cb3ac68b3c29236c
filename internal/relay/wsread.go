package relay

import (
	"errors"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// The opcodes the relay sends and tests with.
const (
	opContinuation = wsframe.OpContinuation
	opText         = wsframe.OpText
	opBinary       = wsframe.OpBinary
	opClose        = wsframe.OpClose
	opPing         = wsframe.OpPing
	opPong         = wsframe.OpPong
)

// maxServerHeader is the largest header of a frame the relay sends.
const maxServerHeader = wsframe.MaxServerHeaderSize

// ruleWebSocket covers breaches of RFC 6455 framing itself (reserved bits
// or opcodes, unmasked client frames, bad continuation or control frames).
const ruleWebSocket wire.Rule = "websocket_protocol_error"

// frameReader is a peer's wsframe.Reader: server side, the peer's small
// buffer, big buffers from bufPool, tunnel frames cut by wire.FrameSize,
// errors as the *wire.RuleError of the rule broken.
type frameReader struct {
	wsframe.Reader
}

// bufLender lends bufPool's buffers to readers.
type bufLender struct{}

func (bufLender) Get() *[]byte  { return getBuf() }
func (bufLender) Put(b *[]byte) { putBuf(b) }

func newFrameReader(small []byte) frameReader {
	return frameReader{wsframe.NewReader(wsframe.Server, small, bufLender{}, wire.FrameSize, wire.MaxWSMessage)}
}

// preload puts bytes that arrived with the handshake into the buffer.
func (r *frameReader) preload(b []byte) { r.Preload(b) }

// next returns the next event (a Record is a whole tunnel frame, prefix
// included) or the rule a framing error broke.
func (r *frameReader) next() (wsframe.Event, error) {
	ev, err := r.Next()
	if err != nil {
		err = ruleError(err)
	}
	return ev, err
}

// ruleError maps a framing error to the rule it breaks.
func ruleError(err error) error {
	if errors.Is(err, wire.ErrZeroLength) {
		return &wire.RuleError{Rule: wire.RuleZeroLength, Detail: "tunnel frame with length 0"}
	}
	var fe *wsframe.Error
	if !errors.As(err, &fe) {
		return err
	}
	rule := ruleWebSocket
	switch fe.Kind {
	case wsframe.TextMessage:
		rule = wire.RuleTextFrame
	case wsframe.MessageTooBig:
		rule = wire.RuleFrameTooLarge
	}
	return &wire.RuleError{Rule: rule, Detail: fe.Detail}
}
