package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/tunnel"
)

// Protocol constants of the AWS JSON 1.1 control plane.
const (
	// MaxBodyBytes caps a request body; larger bodies get 413
	// RequestEntityTooLargeException.
	MaxBodyBytes = 1 << 20
	// TargetPrefix starts every X-Amz-Target value: the operation follows
	// the dot.
	TargetPrefix = "IoTSecuredTunneling."

	contentTypeJSON11 = "application/x-amz-json-1.1"
	headerRequestID   = "x-amzn-RequestId"
	headerErrorType   = "X-Amzn-ErrorType"
)

// Handler serves the control-plane API. It is safe for concurrent use.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	limiter *limiter // nil when rate limiting is off
}

// New checks cfg, fills in defaults and returns a Handler. It starts
// nothing.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, log: cfg.Logger, limiter: newLimiter(cfg.RateLimit)}, nil
}

// ServeHTTP handles one API call (see the package documentation for the
// steps). Every response carries a fresh x-amzn-RequestId; errors are
// {"__type": code, "message": text} with X-Amzn-ErrorType.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{id: tunnel.NewID(), start: start}
	// Header keys are set verbatim to send the exact AWS spelling.
	w.Header()[headerRequestID] = []string{c.id}
	out, err := h.serveRecover(w, r, c)
	status, code := http.StatusOK, ""
	if err != nil {
		ae, fault := toAPIError(err)
		status, code = ae.Status, ae.Code
		if fault {
			h.log.Error("api call failed", "request_id", c.id, "op", c.op, "err", err)
		}
		writeError(w, ae)
		h.record(r, c, nil, ae)
	} else {
		writeJSON(w, status, out)
		h.record(r, c, out, nil)
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) { // spares building the arguments
		h.log.Debug("api call", "request_id", c.id, "op", c.op, "principal", c.principal,
			"status", status, "code", code, "duration", time.Since(start))
	}
}

// call is what is known about a request, for logs and the audit log.
type call struct {
	id, op, principal string
	start             time.Time
	caller            *caller // nil until authenticated
	in                any     // the decoded input, nil until decoded
}

// serveRecover runs serve and turns a panic into an InternalFailure.
// Nothing is written before serve returns, so the error response is
// always clean.
func (h *Handler) serveRecover(w http.ResponseWriter, r *http.Request, c *call) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			out, err = nil, fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h.serve(w, r, c)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, c *call) (any, error) {
	if err := checkRoute(w, r); err != nil {
		return nil, err
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	c.op = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	c.principal, err = h.cfg.Auth.Verify(r, body)
	if err != nil {
		return nil, fromAuth(err)
	}
	c.caller = h.identify(r, c)
	if !h.limiter.allow(c.principal, h.cfg.Now()) {
		return nil, newError(codeThrottling, "Rate exceeded")
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	target := r.Header.Get("X-Amz-Target")
	name, found := strings.CutPrefix(target, TargetPrefix)
	op, ok := operations[name]
	if !found || !ok {
		return nil, newError(codeUnknownOperation, "unknown operation %s", quote(target))
	}
	c.op = name
	in, err := op.decode(body)
	if err != nil {
		return nil, err
	}
	c.in = in
	return op.run(h, withCaller(r.Context(), c.caller), in)
}

// checkRoute accepts only POST / (see errMethod and errPath).
func checkRoute(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return errMethod(r.Method)
	}
	if r.URL.Path != "/" {
		return errPath(r.URL.Path)
	}
	return nil
}

// readBody reads the whole body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, newError(codeRequestTooLarge, "request body larger than %d bytes", MaxBodyBytes)
	case err != nil:
		return nil, newError(codeSerialization, "could not read request body")
	}
	return body, nil
}

// checkContentType accepts application/x-amz-json-1.1 (what SDKs send)
// and application/json, with any parameters. A missing or other type is a
// SerializationException: the body cannot be read as this protocol.
func checkContentType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == contentTypeJSON11 || mt == "application/json") {
		return nil
	}
	return newError(codeSerialization, "unsupported content type %s, use %s", quote(ct), contentTypeJSON11)
}

// writeJSON writes a JSON response with the AWS JSON 1.1 content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"__type":"InternalFailure","message":"internal failure"}`)
		w.Header()[headerErrorType] = []string{codeInternalFailure}
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentTypeJSON11)
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// errorBody is the JSON 1.1 error shape botocore and the Go SDK parse.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header()[headerErrorType] = []string{e.Code}
	writeJSON(w, e.Status, errorBody{Type: e.Code, Message: e.Message})
}

// now is the current time at the millisecond precision the store keeps.
func (h *Handler) now() time.Time { return tunnel.Truncate(h.cfg.Now()) }

// notify sends n through the Notifier, if any. It outlives a client that
// goes away (the tunnel exists by now) and only logs failures.
func (h *Handler) notify(ctx context.Context, id string, n notifymsg.Notification) {
	if h.cfg.Notifier == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), NotifyTimeout)
	defer cancel()
	if err := h.cfg.Notifier.NotifyDestination(ctx, n); err != nil {
		h.log.Warn("notify destination failed", "tunnel_id", id, "thing_name", n.ThingName, "err", err)
	}
}
