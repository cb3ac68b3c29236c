package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Type is the message type (field 1).
type Type int32

// Message types of protocol versions 1 (1..4), 2 (+5) and 3 (+6, 7).
const (
	TypeUnknown         Type = 0
	TypeData            Type = 1
	TypeStreamStart     Type = 2
	TypeStreamReset     Type = 3
	TypeSessionReset    Type = 4
	TypeServiceIDs      Type = 5
	TypeConnectionStart Type = 6
	TypeConnectionReset Type = 7
)

var typeNames = [...]string{"UNKNOWN", "DATA", "STREAM_START", "STREAM_RESET", "SESSION_RESET", "SERVICE_IDS", "CONNECTION_START", "CONNECTION_RESET"}

// String returns the protobuf enum name, or the number for unknown types.
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "TYPE_" + strconv.Itoa(int(t))
}

// Known reports whether t is one of the eight defined types.
func (t Type) Known() bool { return t >= 0 && int(t) < len(typeNames) }

// Message is one tunnel message. After Unmarshal, Payload and the strings'
// backing bytes may alias the input buffer (see Unmarshal).
type Message struct {
	Type                Type
	StreamID            int32
	Ignorable           bool
	Payload             []byte
	ServiceID           string
	AvailableServiceIDs []string
	ConnectionID        uint32
}

// Protobuf wire types used by Message.
const (
	wireVarint = 0
	wireBytes  = 2
)

// Decoding errors.
var (
	ErrTruncatedField = errors.New("wire: truncated protobuf field")
	ErrBadVarint      = errors.New("wire: malformed varint")
)

// FieldError reports a field number or wire type that Message.proto does
// not define; the protocol treats schema extensions as invalid.
type FieldError struct {
	Field    uint64
	WireType uint64
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("wire: unexpected field %d with wire type %d", e.Field, e.WireType)
}

// Unmarshal decodes b into m, replacing its contents. Payload aliases b
// (no copy): callers that keep a message beyond the life of b must copy it.
func (m *Message) Unmarshal(b []byte) error {
	prevService := m.ServiceID
	*m = Message{}
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return ErrBadVarint
		}
		b = b[n:]
		field, wt := key>>3, key&7
		switch {
		case wt == wireVarint && (field == 1 || field == 2 || field == 3 || field == 7):
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return ErrBadVarint
			}
			b = b[n:]
			m.setVarint(field, v)
		case wt == wireBytes && field >= 4 && field <= 6:
			l, n := binary.Uvarint(b)
			if n <= 0 {
				return ErrBadVarint
			}
			b = b[n:]
			if l > uint64(len(b)) {
				return ErrTruncatedField
			}
			m.setBytes(field, b[:l], prevService)
			b = b[l:]
		default:
			return &FieldError{Field: field, WireType: wt}
		}
	}
	return nil
}

func (m *Message) setVarint(field, v uint64) {
	switch field {
	case 1:
		m.Type = Type(int32(v))
	case 2:
		m.StreamID = int32(v)
	case 3:
		m.Ignorable = v != 0
	case 7:
		m.ConnectionID = uint32(v)
	}
}

// setBytes sets a length-delimited field. A serviceId equal to prev, the
// one the message held before, reuses that string: a reader that decodes
// every message of a stream into the same Message allocates nothing.
func (m *Message) setBytes(field uint64, v []byte, prev string) {
	switch field {
	case 4:
		m.Payload = v
	case 5:
		if string(v) == prev {
			m.ServiceID = prev
		} else {
			m.ServiceID = string(v)
		}
	case 6:
		m.AvailableServiceIDs = append(m.AvailableServiceIDs, string(v))
	}
}

// Size returns the encoded size of m, without the length prefix.
func (m *Message) Size() int {
	n := 0
	if m.Type != 0 {
		n += 1 + varintLen(uint64(int64(m.Type)))
	}
	if m.StreamID != 0 {
		n += 1 + varintLen(uint64(int64(m.StreamID)))
	}
	if m.Ignorable {
		n += 2
	}
	if len(m.Payload) > 0 {
		n += 1 + varintLen(uint64(len(m.Payload))) + len(m.Payload)
	}
	if m.ServiceID != "" {
		n += 1 + varintLen(uint64(len(m.ServiceID))) + len(m.ServiceID)
	}
	for _, s := range m.AvailableServiceIDs {
		n += 1 + varintLen(uint64(len(s))) + len(s)
	}
	if m.ConnectionID != 0 {
		n += 1 + varintLen(uint64(m.ConnectionID))
	}
	return n
}

// AppendMarshal appends the protobuf encoding of m (no length prefix) to dst.
// Fields are written in field-number order and zero values are omitted, as
// protoc-generated encoders do.
func (m *Message) AppendMarshal(dst []byte) []byte {
	if m.Type != 0 {
		dst = binary.AppendUvarint(append(dst, 0x08), uint64(int64(m.Type)))
	}
	if m.StreamID != 0 {
		dst = binary.AppendUvarint(append(dst, 0x10), uint64(int64(m.StreamID)))
	}
	if m.Ignorable {
		dst = append(dst, 0x18, 1)
	}
	if len(m.Payload) > 0 {
		dst = append(binary.AppendUvarint(append(dst, 0x22), uint64(len(m.Payload))), m.Payload...)
	}
	if m.ServiceID != "" {
		dst = append(binary.AppendUvarint(append(dst, 0x2a), uint64(len(m.ServiceID))), m.ServiceID...)
	}
	for _, s := range m.AvailableServiceIDs {
		dst = append(binary.AppendUvarint(append(dst, 0x32), uint64(len(s))), s...)
	}
	if m.ConnectionID != 0 {
		dst = binary.AppendUvarint(append(dst, 0x38), uint64(m.ConnectionID))
	}
	return dst
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
