package sigv4

import (
	"slices"
	"strconv"
	"time"
)

// Date layouts accepted in the Date header when X-Amz-Date is absent:
// RFC 1123 with a zone name (net/http) or a numeric offset (botocore).
var dateHeaderLayouts = []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC}

// requestDate returns the signing time of the request and its basic-format
// string, from X-Amz-Date or else Date, and checks that header is signed.
func requestDate(h headerMap, signed []string) (time.Time, string, *Error) {
	name := "x-amz-date"
	if !h.has(name) {
		name = "date"
	}
	if !h.has(name) {
		return time.Time{}, "", errIncomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if !slices.Contains(signed, name) {
		return time.Time{}, "", errIncomplete("Signed headers must include '" + name + "'.")
	}
	v := h.value(name)
	if name == "x-amz-date" {
		t, err := time.Parse(amzDateLayout, v)
		if err != nil || len(v) != len(amzDateLayout) {
			return time.Time{}, "", errIncomplete("X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
		}
		return t, v, nil
	}
	for _, layout := range dateHeaderLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return t, t.Format(amzDateLayout), nil
		}
	}
	return time.Time{}, "", errIncomplete("Date header is not a valid HTTP date.")
}

// checkSkew rejects a request time further than skew from now.
func checkSkew(t, now time.Time, skew time.Duration) *Error {
	req := t.UTC().Format(amzDateLayout)
	nowS := now.UTC().Format(amzDateLayout)
	switch {
	case t.Before(now.Add(-skew)):
		edge := now.Add(-skew).UTC().Format(amzDateLayout)
		return errInvalid("Signature expired: " + req + " is now earlier than " + edge + " (" + nowS + " - " + skewText(skew) + ".)")
	case t.After(now.Add(skew)):
		edge := now.Add(skew).UTC().Format(amzDateLayout)
		return errInvalid("Signature expired: " + req + " is now later than " + edge + " (" + nowS + " + " + skewText(skew) + ".)")
	}
	return nil
}

// skewText renders skew like AWS ("15 min"), falling back to Go notation.
func skewText(skew time.Duration) string {
	if skew%time.Minute == 0 {
		return strconv.FormatInt(int64(skew/time.Minute), 10) + " min"
	}
	return skew.String()
}
