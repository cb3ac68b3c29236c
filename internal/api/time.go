package api

import (
	"strconv"
	"time"
)

// epochTime is a model timestamp (DateType). AWS JSON 1.1 sends timestamps
// as epoch seconds in a JSON number; this service keeps milliseconds, so
// 2023-11-14T22:13:20.123Z is written 1700000000.123. Never a string:
// typed SDK parsers reject those.
type epochTime time.Time

// MarshalJSON writes seconds and exactly three decimals, computed from
// integer milliseconds so no float rounding can creep in.
func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	var b []byte
	if ms < 0 {
		b, ms = append(b, '-'), -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10)), nil
}
