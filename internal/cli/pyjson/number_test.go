package pyjson

import (
	"math"
	"testing"
)

// TestCompareNumbers checks Python's exact int/float comparison, found
// divergent by the JMESPath differential test.
func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b any
		c    int
		ok   bool
	}{
		{int64(1<<53 + 1), float64(1 << 53), 1, true},
		{float64(1 << 53), int64(1<<53 + 1), -1, true},
		{int64(math.MaxInt64), float64(1 << 63), -1, true},
		{int64(math.MinInt64), -float64(1 << 63), 0, true},
		{int64(2), 2.5, -1, true},
		{int64(-2), -2.5, 1, true},
		{int64(1), true, 0, true},
		{false, 0.0, 0, true},
		{1.5, 1.5, 0, true},
		{math.NaN(), int64(1), 0, false},
		{math.Inf(-1), int64(math.MinInt64), -1, true},
		{"1", int64(1), 0, false},
	}
	for _, tt := range tests {
		c, ok := CompareNumbers(tt.a, tt.b)
		if c != tt.c || ok != tt.ok {
			t.Errorf("CompareNumbers(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, c, ok, tt.c, tt.ok)
		}
	}
	if Equal(int64(1<<53+1), float64(1<<53)) || !Equal([]any{int64(1)}, []any{1.0}) {
		t.Error("Equal does not compare ints with floats exactly")
	}
}
