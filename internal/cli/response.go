package cli

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// parseBody is botocore's _parse_body_as_json: an empty body is {}, a body
// that is not JSON becomes {"message": body}.
func parseBody(body []byte) any {
	if len(body) == 0 {
		return pyjson.NewObject()
	}
	v, err := pyjson.Decode(string(body), false)
	if err != nil {
		o := pyjson.NewObject()
		o.Set("message", string(body))
		return o
	}
	return v
}

// errorCode extracts botocore's error code and message from a response.
func errorCode(r *response) (string, any) {
	if r.status >= 500 {
		t := bytes.TrimSpace(r.body)
		if len(t) == 0 || bytes.HasPrefix(t, []byte("<html>")) {
			return strconv.Itoa(r.status), http.StatusText(r.status)
		}
	}
	body, ok := parseBody(r.body).(*pyjson.Object)
	if !ok {
		return strconv.Itoa(r.status), ""
	}
	var msg any = ""
	if m, ok := body.Get("message"); ok {
		msg = m
	} else if m, ok := body.Get("Message"); ok {
		msg = m
	}
	code := strconv.Itoa(r.status)
	if t, ok := body.Get("__type"); ok {
		code = pyjson.Str(t)
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	return code, msg
}

// toAPIError builds the ClientError for a non-2xx response.
func toAPIError(r *response, op *operation) *apiError {
	code, msg := errorCode(r)
	return &apiError{code: code, message: pyjson.Str(msg), operation: op.name, retries: r.exhausted}
}

// parseOutput is botocore's JSON parser for a successful response: only
// modelled members, in model order; timestamps stay as sent (the AWS CLI's
// default cli_timestamp_format=wire).
func parseOutput(body []byte, s *shape, ts func(any) any) (any, error) {
	return parseShape(parseBody(body), s, ts)
}

func parseShape(v any, s *shape, ts func(any) any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.typ {
	case typeStructure:
		obj, ok := v.(*pyjson.Object)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'get'", pyjson.TypeName(v))
		}
		out := pyjson.NewObject()
		for _, m := range s.members {
			raw, _ := obj.Get(m.name)
			if raw == nil {
				continue
			}
			pv, err := parseShape(raw, m.shape, ts)
			if err != nil {
				return nil, err
			}
			out.Set(m.name, pv)
		}
		return out, nil
	case typeList:
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		case *pyjson.Object:
			for _, k := range x.Keys() {
				items = append(items, k)
			}
		case string:
			for _, r := range x {
				items = append(items, string(r))
			}
		default:
			return nil, fmt.Errorf("'%s' object is not iterable", pyjson.TypeName(v))
		}
		out := []any{}
		for _, it := range items {
			pv, err := parseShape(it, s.member, ts)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
		}
		return out, nil
	case typeTimestamp:
		if ts != nil {
			return ts(v), nil
		}
	}
	return v, nil
}

// isoTimestamp is botocore's parse_timestamp(value).isoformat() for epoch
// seconds: local time, microseconds when non-zero, a +HH:MM offset.
func isoTimestamp(v any) any {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return v
		}
		f = p
	default:
		return v
	}
	sec := math.Floor(f)
	us := int64(math.RoundToEven((f - sec) * 1e6))
	t := time.Unix(int64(sec), us*1000).In(time.Local)
	layout := "2006-01-02T15:04:05"
	if t.Nanosecond() != 0 {
		layout += ".000000"
	}
	return t.Format(layout + "-07:00")
}
