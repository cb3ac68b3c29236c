package relay

import (
	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// WebSocket close codes the relay sends (RFC 6455 §7.4.1).
const (
	codeNormal         = wsframe.CloseNormal
	codeGoingAway      = wsframe.CloseGoingAway
	codeProtocolError  = wsframe.CloseProtocolError
	codePolicyViolated = wsframe.ClosePolicy
)

// closeKind says why a peer's WebSocket ends. Every kind but closeConnLost
// sends a Close frame: the reference local proxy exits cleanly only on one
// (docs/PROTOCOL.md D7), so no close reason may just drop TCP.
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

// The fixed reasons of docs/PROTOCOL.md D2, D7, D8 and D19.
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
func reasonEcho(c wsframe.Close) closeReason {
	code := c.Code
	switch {
	case !c.HasCode:
		code = codeNormal
	case !wsframe.ValidCloseCode(code):
		code = codeProtocolError
	}
	return closeReason{kind: closeByPeer, code: code}
}

// linger reports whether the relay should wait for the client's Close reply
// after sending its own Close frame.
func (r closeReason) linger() bool {
	return r.code != 0 && r.kind != closeByPeer
}
