package sigv4

import (
	"net/http"
	"strconv"
)

// Error codes returned in Error.Code; they are AWS error type names.
const (
	// CodeMissingAuthenticationToken means the request has no Authorization header.
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	// CodeIncompleteSignature means the Authorization header or the date is malformed.
	CodeIncompleteSignature = "IncompleteSignatureException"
	// CodeUnrecognizedClient means the access key or session token is unknown.
	CodeUnrecognizedClient = "UnrecognizedClientException"
	// CodeInvalidSignature means the signature, scope, payload hash or date is wrong.
	CodeInvalidSignature = "InvalidSignatureException"
)

// Messages AWS uses for the common cases.
const (
	msgMissingToken = "Missing Authentication Token"
	msgUnrecognized = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Error is a rejected request: an AWS error type, an AWS-style message and
// the HTTP status to answer with. Message never holds secrets, signatures or
// session tokens, so it can be sent to the client as is.
type Error struct {
	// Status is the HTTP status to answer with: 400 or 403.
	Status int
	// Code is the AWS error type, one of the Code constants.
	Code string
	// Message is the AWS-style, client-safe description.
	Message string
}

// Error returns "sigv4: <status> <code>: <message>".
func (e *Error) Error() string {
	return "sigv4: " + strconv.Itoa(e.Status) + " " + e.Code + ": " + e.Message
}

func errMissing() *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeMissingAuthenticationToken, Message: msgMissingToken}
}

func errIncomplete(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeIncompleteSignature, Message: msg}
}

func errUnrecognized() *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeUnrecognizedClient, Message: msgUnrecognized}
}

func errInvalid(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeInvalidSignature, Message: msg}
}

// quote renders a client-supplied value for an error message: in single
// quotes as AWS does, escaped, and cut to a short length so a hostile header cannot bloat responses or logs.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	q := strconv.Quote(s)
	return "'" + q[1:len(q)-1] + "'"
}
