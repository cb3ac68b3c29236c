package wsframe

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Close codes (RFC 6455 §7.4.1) the callers send or treat specially.
const (
	CloseNormal        uint16 = 1000
	CloseGoingAway     uint16 = 1001
	CloseProtocolError uint16 = 1002
	CloseNoStatus      uint16 = 1005 // never sent: a Close frame without a code
	ClosePolicy        uint16 = 1008
	CloseTooBig        uint16 = 1009
)

// MaxCloseReason is the longest reason a Close frame can carry: 125 bytes
// of control payload minus the 2-byte code.
const MaxCloseReason = MaxControlPayload - 2

// ValidCloseCode reports whether a peer may put code in a Close frame
// (RFC 6455 §7.4): the defined codes that are not reserved for local use,
// and the registered and private ranges 3000-4999.
func ValidCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// AppendClosePayload appends the payload of a Close frame: the code, big
// endian, then reason cut to MaxCloseReason bytes. CloseNoStatus appends
// nothing (a Close frame without a code).
func AppendClosePayload(dst []byte, code uint16, reason string) []byte {
	if code == CloseNoStatus {
		return dst
	}
	if len(reason) > MaxCloseReason {
		reason = reason[:MaxCloseReason]
	}
	return append(binary.BigEndian.AppendUint16(dst, code), reason...)
}

// AppendCloseFrame appends an unmasked (server) Close frame.
func AppendCloseFrame(dst []byte, code uint16, reason string) []byte {
	n := len(AppendClosePayload(nil, code, reason))
	return AppendClosePayload(AppendHeader(dst, OpClose, n), code, reason)
}

// Close is the content of a received Close frame.
type Close struct {
	Code    uint16 // CloseNoStatus when HasCode is false
	HasCode bool   // the frame carried a code
	Reason  []byte // aliases the frame payload
}

// ParseClose splits a Close payload into its code and reason. A 1-byte
// payload is a protocol error.
func ParseClose(p []byte) (Close, error) {
	switch len(p) {
	case 0:
		return Close{Code: CloseNoStatus}, nil
	case 1:
		return Close{}, protocolError("close frame with a 1-byte payload")
	}
	return Close{Code: binary.BigEndian.Uint16(p), HasCode: true, Reason: p[2:]}, nil
}

// Check applies RFC 6455 §7.4 and §8.1 to a received Close frame: a code,
// if any, must be one a peer may send, and the reason valid UTF-8.
func (c Close) Check() error {
	if c.HasCode && !ValidCloseCode(c.Code) {
		return protocolError("bad close code " + strconv.Itoa(int(c.Code)))
	}
	if !utf8.Valid(c.Reason) {
		return protocolError("invalid utf8 payload in close frame")
	}
	return nil
}
