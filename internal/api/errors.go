package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/adit-project/adit/internal/store"
)

// AWS error codes (the __type of an error body and X-Amzn-ErrorType).
const (
	codeResourceNotFound   = "ResourceNotFoundException"
	codeLimitExceeded      = "LimitExceededException"
	codeValidation         = "ValidationException"
	codeSerialization      = "SerializationException"
	codeUnknownOperation   = "UnknownOperationException"
	codeThrottling         = "ThrottlingException"
	codeAccessDenied       = "AccessDeniedException"
	codeRequestTooLarge    = "RequestEntityTooLargeException"
	codeInternalFailure    = "InternalFailure"
	codeServiceUnavailable = "ServiceUnavailable"
)

// apiError is an error as the client sees it: AWS code, message and HTTP
// status.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// newError builds an apiError; the status follows from the code (D12,
// docs/PROTOCOL.md §1.9).
func newError(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...), Status: statusOf(code)}
}

// statusOf is the one table of HTTP statuses per code. Every client error
// of this service is 400, as the AWS API reference has it for the modeled
// errors (the Smithy model's 404/403 are not used, see docs/PROTOCOL.md §6).
func statusOf(code string) int {
	switch code {
	case codeAccessDenied:
		return http.StatusForbidden
	case codeRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeInternalFailure:
		return http.StatusInternalServerError
	case codeServiceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// errMethod answers a method other than POST: 405 (the handler adds
// Allow: POST) with UnknownOperationException, since no operation lives
// there. SDKs do not retry a 405.
func errMethod(method string) *apiError {
	return &apiError{Code: codeUnknownOperation, Message: "method " + quote(method) + " not allowed, use POST",
		Status: http.StatusMethodNotAllowed}
}

// errPath answers a path other than "/": 404 UnknownOperationException.
func errPath(path string) *apiError {
	return &apiError{Code: codeUnknownOperation, Message: "no operation at path " + quote(path),
		Status: http.StatusNotFound}
}

// authError is what an Authenticator's error may implement to choose the
// response code and status.
type authError interface {
	AWSErrorCode() string
	HTTPStatus() int
}

// fromAuth maps an Authenticator failure to the response (see the
// Authenticator contract).
func fromAuth(err error) *apiError {
	var ae authError
	if !errors.As(err, &ae) || ae.AWSErrorCode() == "" {
		return newError(codeAccessDenied, "access denied")
	}
	st := ae.HTTPStatus()
	if st < 400 || st > 599 {
		st = http.StatusForbidden
	}
	return &apiError{Code: ae.AWSErrorCode(), Message: err.Error(), Status: st}
}

// fromStore maps a store error about tunnel id to the client's view.
// Errors it does not know are returned unchanged and end as
// InternalFailure through toAPIError.
func fromStore(err error, id string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(id)
	case errors.Is(err, store.ErrClosed):
		return newError(codeResourceNotFound, "tunnel %s is closed", id)
	case errors.Is(err, store.ErrLimitExceeded):
		return newError(codeLimitExceeded, "open tunnel limit exceeded")
	case errors.Is(err, store.ErrTooManyTags):
		return newError(codeLimitExceeded, "tag limit of tunnel %s exceeded", id)
	}
	return err
}

func notFound(id string) *apiError {
	return newError(codeResourceNotFound, "tunnel %s not found", id)
}

// tooManyTags is the tag quota error (Config.MaxTags). The model lists
// only ResourceNotFoundException for the tag operations and has no
// TooManyTagsException; LimitExceededException is what AWS IoT's own
// TagResource uses for its tag quota and what this service uses for every
// other configured quota (D14). store.ErrTooManyTags maps to it too.
func tooManyTags(max int) *apiError {
	return newError(codeLimitExceeded, "a tunnel can have at most %d tags", max)
}

// toAPIError returns err's client view and whether it is a server fault
// that deserves an error log. Context errors (client gone, store deadline)
// and an unreachable store become 503 ServiceUnavailable, which clients
// retry.
func toAPIError(err error) (*apiError, bool) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae, ae.Status >= 500
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return newError(codeServiceUnavailable, "service unavailable, retry"), false
	case errors.Is(err, store.ErrUnavailable):
		return newError(codeServiceUnavailable, "database unavailable, retry"), true
	}
	return newError(codeInternalFailure, "internal failure"), true
}
