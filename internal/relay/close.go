package relay

import (
	"encoding/binary"

	"github.com/adit-project/adit/internal/wire"
)

// WebSocket close codes the relay sends (RFC 6455 §7.4.1).
const (
	codeNormal         uint16 = 1000
	codeGoingAway      uint16 = 1001
	codeProtocolError  uint16 = 1002
	codePolicyViolated uint16 = 1008
)

// closeKind says why a peer's WebSocket ends. Every kind but closeConnLost
// sends a Close frame: the reference local proxy exits cleanly only on one
// (PROTOCOL.md D7), so no close reason may just drop TCP.
type closeKind uint8

const (
	closeConnLost      closeKind = iota // read or write failed; the socket is unusable
	closeTunnelClosed                   // CloseTunnel (D7)
	closeTunnelExpired                  // lifetime expiry (D7)
	closeRevoked                        // token rotated (D7, D8)
	closeReplaced                       // same mode connected again (D2)
	closeProtocol                       // client broke a protocol rule (D7)
	closeShutdown                       // server shutdown (D7)
	closeIdle                           // nothing received for IdleTimeout (D19)
	closeByPeer                         // the client sent a Close frame first
)

var closeKindNames = [...]string{
	closeConnLost:      "connection_lost",
	closeTunnelClosed:  "tunnel_closed",
	closeTunnelExpired: "tunnel_expired",
	closeRevoked:       "token_revoked",
	closeReplaced:      "replaced",
	closeProtocol:      "protocol_violation",
	closeShutdown:      "shutdown",
	closeIdle:          "idle_timeout",
	closeByPeer:        "closed_by_peer",
}

func (k closeKind) String() string { return closeKindNames[k] }

// closeReason is the kind plus the code and reason text of the Close
// frame to send (code 0: send none).
type closeReason struct {
	kind closeKind
	code uint16
	text string
	rule wire.Rule // closeProtocol only
}

// The fixed reasons of PROTOCOL.md D2, D7, D8 and D19.
var (
	reasonTunnelClosed  = closeReason{kind: closeTunnelClosed, code: codeNormal, text: "tunnel closed"}
	reasonTunnelExpired = closeReason{kind: closeTunnelExpired, code: codeNormal, text: "tunnel expired"}
	reasonRevoked       = closeReason{kind: closeRevoked, code: codePolicyViolated, text: "access token revoked"}
	reasonReplaced      = closeReason{kind: closeReplaced, code: codePolicyViolated, text: "replaced by a new connection"}
	reasonShutdown      = closeReason{kind: closeShutdown, code: codeGoingAway, text: "going away"}
	reasonIdle          = closeReason{kind: closeIdle, code: codeGoingAway, text: "idle timeout"}
	reasonConnLost      = closeReason{kind: closeConnLost}
)

// reasonViolation closes with 1002 and a reason naming the broken rule.
func reasonViolation(rule wire.Rule) closeReason {
	return closeReason{kind: closeProtocol, code: codeProtocolError, text: "protocol violation: " + string(rule), rule: rule}
}

// reasonEcho answers a client's Close frame. RFC 6455 §5.5.1 asks the
// receiver to echo the code; codes a client may not send are answered
// with 1002, and a Close without a code with 1000.
func reasonEcho(code uint16, hasCode bool) closeReason {
	switch {
	case !hasCode:
		code = codeNormal
	case !validCloseCode(code):
		code = codeProtocolError
	}
	return closeReason{kind: closeByPeer, code: code}
}

// linger reports whether the relay should wait for the client's Close reply
// after sending its own Close frame.
func (r closeReason) linger() bool {
	return r.code != 0 && r.kind != closeByPeer
}

// validCloseCode reports whether a client may put code in a Close frame
// (RFC 6455 §7.4).
func validCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// maxCloseText is the longest reason a Close frame can carry (125 bytes of
// control payload minus the 2-byte code).
const maxCloseText = 123

// appendCloseFrame appends an unmasked Close frame with code and text.
func appendCloseFrame(dst []byte, code uint16, text string) []byte {
	if len(text) > maxCloseText {
		text = text[:maxCloseText]
	}
	dst = appendFrameHeader(dst, opClose, 2+len(text))
	dst = binary.BigEndian.AppendUint16(dst, code)
	return append(dst, text...)
}
