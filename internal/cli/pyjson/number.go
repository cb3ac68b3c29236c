package pyjson

import "math"

// CompareNumbers compares two Python numbers (int64, float64 or bool)
// exactly, as Python compares an int with a float: it returns -1, 0 or 1,
// and ok false when either is not a number or is NaN (unordered).
func CompareNumbers(a, b any) (c int, ok bool) {
	x, xInt, ok1 := numberParts(a)
	y, yInt, ok2 := numberParts(b)
	switch {
	case !ok1 || !ok2 || math.IsNaN(x) || math.IsNaN(y):
		return 0, false
	case xInt != nil && yInt != nil:
		return cmp3(*xInt < *yInt, *xInt > *yInt), true
	case xInt != nil:
		return intFloat(*xInt, y), true
	case yInt != nil:
		return -intFloat(*yInt, x), true
	}
	return cmp3(x < y, x > y), true
}

// numberParts returns v as a float64 and, for an int or bool, the exact
// int64 too.
func numberParts(v any) (float64, *int64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), &x, true
	case bool:
		i := int64(0)
		if x {
			i = 1
		}
		return float64(i), &i, true
	case float64:
		return x, nil, true
	}
	return 0, nil, false
}

// intFloat compares an int with a non-NaN float without rounding the int.
func intFloat(i int64, f float64) int {
	switch {
	case f >= 1<<63:
		return -1
	case f < -(1 << 63):
		return 1
	}
	t := math.Trunc(f)
	ti := int64(t)
	switch {
	case i != ti:
		return cmp3(i < ti, i > ti)
	case f > t:
		return -1
	case f < t:
		return 1
	}
	return 0
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}
