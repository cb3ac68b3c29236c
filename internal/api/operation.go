package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"unicode/utf8"
)

// operation is one API operation: decode turns a body into a validated
// input, run executes it.
type operation struct {
	decode func(body []byte) (any, error)
	run    func(h *Handler, ctx context.Context, in any) (any, error)
}

// validator is implemented by every input shape.
type validator interface {
	// validate checks the model rules (§1.5) and returns a
	// ValidationException naming every violation, or nil.
	validate() error
	// authorize checks the caller's policies for the call (authz_ops.go)
	// and returns an AccessDeniedException, or nil.
	authorize(h *Handler, ctx context.Context) error
}

// operations maps X-Amz-Target suffixes to operations.
var operations = map[string]operation{
	"OpenTunnel":              bind((*Handler).openTunnel),
	"CloseTunnel":             bind((*Handler).closeTunnel),
	"DescribeTunnel":          bind((*Handler).describeTunnel),
	"ListTunnels":             bind((*Handler).listTunnels),
	"RotateTunnelAccessToken": bind((*Handler).rotateAccessToken),
	"TagResource":             bind((*Handler).tagResource),
	"UntagResource":           bind((*Handler).untagResource),
	"ListTagsForResource":     bind((*Handler).listTagsForResource),
}

// bind adapts a typed operation method to the operation table.
func bind[I any, PI interface {
	*I
	validator
}, O any](fn func(*Handler, context.Context, PI) (*O, error)) operation {
	return operation{
		decode: func(body []byte) (any, error) {
			in := PI(new(I))
			if err := decodeJSON(body, in); err != nil {
				return nil, err
			}
			if err := in.validate(); err != nil {
				return nil, err
			}
			return in, nil
		},
		run: func(h *Handler, ctx context.Context, in any) (any, error) {
			if err := in.(PI).authorize(h, ctx); err != nil {
				return nil, err
			}
			out, err := fn(h, ctx, in.(PI))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// decodeJSON decodes a request body into v. An empty body reads as {}.
// The body must be valid UTF-8 holding exactly one JSON object; members of
// the wrong type fail; unknown members are ignored.
func decodeJSON(body []byte, v any) error {
	body = bytes.Trim(body, " \t\r\n")
	if len(body) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		return newError(codeSerialization, "request body is not valid UTF-8")
	}
	if body[0] != '{' {
		return newError(codeSerialization, "request body must be a JSON object")
	}
	err := json.Unmarshal(body, v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typ) && typ.Field != "":
		return newError(codeSerialization, "cannot deserialize JSON %s into member '%s' of type %s",
			typ.Value, typ.Field, shapeKind(typ.Type))
	case errors.As(err, &typ):
		return newError(codeSerialization, "cannot deserialize JSON %s as type %s", typ.Value, shapeKind(typ.Type))
	case errors.As(err, &syn):
		return newError(codeSerialization, "malformed JSON at offset %d: %v", syn.Offset, err)
	}
	return newError(codeSerialization, "malformed request body")
}

// shapeKind names a Go type by its model kind for error messages.
func shapeKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "unknown"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Slice:
		return "list"
	case reflect.Struct:
		return "structure"
	}
	return t.Kind().String()
}
