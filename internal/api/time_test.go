package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEpochTimeJSON(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.UnixMilli(1700000000123), "1700000000.123"},
		{time.UnixMilli(1700000000000), "1700000000.000"},
		{time.UnixMilli(1700000000007), "1700000000.007"},
		{time.Unix(1700000000, 999999999), "1700000000.999"}, // truncated, not rounded
		{time.UnixMilli(0), "0.000"},
		{time.UnixMilli(-1500), "-1.500"},
		{time.UnixMilli(-1), "-0.001"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(struct {
			T epochTime `json:"t"`
		}{epochTime(tt.in)})
		if err != nil || string(b) != `{"t":`+tt.want+`}` {
			t.Errorf("marshal(%v) = %s, %v; want {\"t\":%s}", tt.in, b, err, tt.want)
		}
		var back struct{ T float64 }
		if err := json.Unmarshal(b, &back); err != nil || time.UnixMilli(int64(back.T*1000+copysign(0.5, back.T))).UnixMilli() != tt.in.UnixMilli() {
			t.Errorf("%s does not read back as %v", b, tt.in)
		}
	}
}

func copysign(x, sign float64) float64 {
	if sign < 0 {
		return -x
	}
	return x
}
