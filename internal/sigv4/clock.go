package sigv4

import (
	"strconv"
	"time"
)

// requestDate returns the signing time of the request and its basic-format
// string, from X-Amz-Date. That header is required and must be signed
// (checkRequest checks the latter); the Date header is not an alternative.
func requestDate(h headerMap) (time.Time, string, *Error) {
	if !h.has("x-amz-date") {
		return time.Time{}, "", errIncomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	v := h.value("x-amz-date")
	t, err := time.Parse(amzDateLayout, v)
	if err != nil || len(v) != len(amzDateLayout) {
		return time.Time{}, "", errIncomplete("X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
	}
	return t, v, nil
}

// checkSkew rejects a request time further than skew from now. The
// times are formatted for the message only.
func checkSkew(t, now time.Time, skew time.Duration) *Error {
	early, late := t.Before(now.Add(-skew)), t.After(now.Add(skew))
	if !early && !late {
		return nil
	}
	req := t.UTC().Format(amzDateLayout)
	nowS := now.UTC().Format(amzDateLayout)
	if early {
		edge := now.Add(-skew).UTC().Format(amzDateLayout)
		return errInvalid("Signature expired: " + req + " is now earlier than " + edge + " (" + nowS + " - " + skewText(skew) + ".)")
	}
	edge := now.Add(skew).UTC().Format(amzDateLayout)
	return errInvalid("Signature expired: " + req + " is now later than " + edge + " (" + nowS + " + " + skewText(skew) + ".)")
}

// skewText renders skew like AWS ("15 min"), falling back to Go notation.
func skewText(skew time.Duration) string {
	if skew%time.Minute == 0 {
		return strconv.FormatInt(int64(skew/time.Minute), 10) + " min"
	}
	return skew.String()
}
