package wsframe

// ErrorKind classifies a framing error.
type ErrorKind uint8

const (
	// ProtocolError is a breach of RFC 6455 framing: reserved bits or
	// opcodes, a wrongly masked frame, bad continuation or control frames,
	// a bad Close payload. The peer is answered with Close 1002.
	ProtocolError ErrorKind = iota
	// TextMessage is a text message; the tunnel carries binary only.
	TextMessage
	// MessageTooBig is a message longer than the reader's limit.
	MessageTooBig
)

// Error is a framing error found by Reader or ParseClose.
type Error struct {
	Kind   ErrorKind
	Detail string // what was wrong, e.g. "unmasked client frame"
}

func (e *Error) Error() string { return "websocket: " + e.Detail }

func protocolError(detail string) error { return &Error{Kind: ProtocolError, Detail: detail} }
