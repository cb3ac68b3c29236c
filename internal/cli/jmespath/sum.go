package jmespath

import (
	"math"
	"math/big"
)

// pySum is the state of Python's sum() over a list of numbers: an int
// while only ints come (kept exact beyond 64 bits in wide), a float from
// the first float on.
type pySum struct {
	i       int64
	wide    *big.Int // the int sum once it left 64 bits
	f       float64
	isFloat bool
}

func sumOf(list []any) *pySum {
	s := &pySum{}
	for _, el := range list {
		switch x := el.(type) {
		case int64:
			s.addInt(x)
		case float64:
			if !s.isFloat {
				s.isFloat = true
				s.f = s.intFloat()
			}
			s.f += x
		}
	}
	return s
}

func (s *pySum) addInt(x int64) {
	switch {
	case s.isFloat:
		s.f += float64(x)
	case s.wide != nil:
		s.wide.Add(s.wide, big.NewInt(x))
	case (x > 0 && s.i > math.MaxInt64-x) || (x < 0 && s.i < math.MinInt64-x):
		s.wide = new(big.Int).Add(big.NewInt(s.i), big.NewInt(x))
	default:
		s.i += x
	}
}

// intFloat is float(int sum), correctly rounded.
func (s *pySum) intFloat() float64 {
	if s.wide == nil {
		return float64(s.i)
	}
	f, _ := new(big.Float).SetInt(s.wide).Float64()
	return f
}

// value is the sum: an int, or a float (also for an int sum beyond 64
// bits, which tunnelctl cannot hold; see the package doc of cli).
func (s *pySum) value() any {
	switch {
	case s.isFloat:
		return s.f
	case s.wide != nil:
		return s.intFloat()
	}
	return s.i
}

// mean is sum / n with Python's true division: int / int is correctly
// rounded, float / int divides by float(n).
func (s *pySum) mean(n int) float64 {
	if s.isFloat {
		return s.f / float64(n)
	}
	num := big.NewInt(s.i)
	if s.wide != nil {
		num = s.wide
	}
	f, _ := new(big.Rat).SetFrac(num, big.NewInt(int64(n))).Float64()
	return f
}

func fnSum(a []any) (any, error) { return sumOf(a[0].([]any)).value(), nil }

func fnAvg(a []any) (any, error) {
	list := a[0].([]any)
	if len(list) == 0 {
		return nil, nil
	}
	return sumOf(list).mean(len(list)), nil
}
