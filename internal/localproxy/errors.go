package localproxy

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidConfig wraps every error Run and proxyconf.ParseArgs return
// for input that can never work: bad flags, mappings, tokens or endpoints.
var ErrInvalidConfig = errors.New("invalid configuration")

// ErrRetriesExhausted is returned (wrapping the last failure) when
// Config.MaxConnectAttempts attempts in a row failed to connect.
var ErrRetriesExhausted = errors.New("giving up after repeated connection failures")

// HandshakeError is a WebSocket upgrade the service answered with an HTTP
// status other than 101. Run returns it for 4xx statuses (except 429);
// 5xx and 429 are retried.
type HandshakeError struct {
	StatusCode int    // HTTP status code
	Status     string // HTTP status line text, e.g. "400 Bad Request"
	Reason     string // X-Status-Reason header, else the trimmed body
	ChannelID  string // channel-id header, for support
}

func (e *HandshakeError) Error() string {
	s := "websocket upgrade rejected: " + e.Status
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.ChannelID != "" {
		s += " (channel-id " + e.ChannelID + ")"
	}
	return s
}

// Retryable reports whether the status is worth retrying later: any 5xx,
// and 429 Too Many Requests.
func (e *HandshakeError) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == 429
}

// ServiceMismatchError reports a service mapping that does not fit the
// service ids the tunnel announced in SERVICE_IDS. It is fatal: a reconnect
// would announce the same services.
type ServiceMismatchError struct {
	Tunnel []string // service ids of the tunnel
	Detail string   // what does not fit
}

func (e *ServiceMismatchError) Error() string {
	return fmt.Sprintf("wrong configuration detected: %s (tunnel services: [%s])",
		e.Detail, strings.Join(e.Tunnel, ", "))
}

// ProtocolError is a message or frame from the service that breaks the
// protocol. Run reconnects after one unless Config.ExitOnDataError is set.
type ProtocolError struct {
	Detail string
	Err    error // underlying decode error, if any
}

func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return "protocol error from service: " + e.Detail + ": " + e.Err.Error()
	}
	return "protocol error from service: " + e.Detail
}

// Unwrap returns the underlying decode error.
func (e *ProtocolError) Unwrap() error { return e.Err }

// closedError is the Close frame that ends Run with nil.
type closedError struct {
	code int
	text string
}

func (e *closedError) Error() string {
	return fmt.Sprintf("tunnel closed by the service (close code %d, reason %q)", e.code, e.text)
}

// configErrorf returns an error wrapping ErrInvalidConfig.
func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
