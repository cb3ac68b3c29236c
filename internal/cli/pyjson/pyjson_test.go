package pyjson

import (
	"math"
	"testing"
)

// Expected strings below were produced by CPython 3.11's json module.
func TestDecodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{bad", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{"", "Expecting value: line 1 column 1 (char 0)"},
		{" ", "Expecting value: line 1 column 2 (char 1)"},
		{"[1,]", "Expecting value: line 1 column 4 (char 3)"},
		{`{"a":1,}`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
		{`{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)"},
		{`{"a":1 "b":2}`, "Expecting ',' delimiter: line 1 column 8 (char 7)"},
		{`"abc`, "Unterminated string starting at: line 1 column 1 (char 0)"},
		{`"a\qb"`, `Invalid \escape: line 1 column 3 (char 2)`},
		{`"\u12"`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{`"\u12zz"`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{"[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"},
		{"01", "Extra data: line 1 column 2 (char 1)"},
		{"1.", "Extra data: line 1 column 2 (char 1)"},
		{"-", "Expecting value: line 1 column 1 (char 0)"},
		{"nul", "Expecting value: line 1 column 1 (char 0)"},
		{"{\"a\":\"\x01\"}", "Invalid control character at: line 1 column 7 (char 6)"},
		{"[1]x", "Extra data: line 1 column 4 (char 3)"},
		{"\n\n  {\"a\":\n tru}", "Expecting value: line 4 column 2 (char 11)"},
		{"\ufeff{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"},
	}
	for _, tt := range tests {
		_, err := Decode(tt.in, false)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Decode(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct{ in, compact, repr string }{
		{`{"a": [1, 2.50, -0, 1e3, 1E-7, "\ud83d\ude80"]}`,
			`{"a":[1,2.5,0,1000.0,1e-07,"\ud83d\ude80"]}`,
			`{'a': [1, 2.5, 0, 1000.0, 1e-07, '🚀']}`},
		{`[true, false, null, "it's", "q\"", {}]`,
			`[true,false,null,"it's","q\"",{}]`,
			`[True, False, None, "it's", 'q"', {}]`},
	}
	for _, tt := range tests {
		v, err := Decode(tt.in, false)
		if err != nil {
			t.Fatalf("Decode(%q): %v", tt.in, err)
		}
		if got := Dumps(v, EncodeOptions{Compact: true, ASCII: true}); got != tt.compact {
			t.Errorf("Dumps(%q) = %s, want %s", tt.in, got, tt.compact)
		}
		if got := Repr(v); got != tt.repr {
			t.Errorf("Repr(%q) = %s, want %s", tt.in, got, tt.repr)
		}
	}
}

func TestDumpsIndent(t *testing.T) {
	v, _ := Decode(`{"a": [1, {"b": "é"}], "c": {}, "d": []}`, false)
	want := "{\n    \"a\": [\n        1,\n        {\n            \"b\": \"é\"\n        }\n    ],\n    \"c\": {},\n    \"d\": []\n}"
	if got := Dumps(v, EncodeOptions{Indent: 4}); got != want {
		t.Errorf("Dumps = %q, want %q", got, want)
	}
}

func TestFloatRepr(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1700000000.123, "1700000000.123"},
		{1e16, "1e+16"},
		{1e-5, "1e-05"},
		{0.0001, "0.0001"},
		{1234567890123456.0, "1234567890123456.0"},
		{12345678901234567.0, "1.2345678901234568e+16"},
		{1.5, "1.5"},
		{math.Copysign(0, -1), "-0.0"},
		{3.0, "3.0"},
		{1e22, "1e+22"},
		{123e-20, "1.23e-18"},
		{0.30000000000000004, "0.30000000000000004"},
		{2.5e-7, "2.5e-07"},
	}
	for _, tt := range tests {
		if got := FloatRepr(tt.f); got != tt.want {
			t.Errorf("FloatRepr(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestQuoteRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a'b", `"a'b"`},
		{`a"b`, `'a"b'`},
		{`a'"b`, `'a\'"b'`},
		{"\x00\x7f\u0085\u00a0\u2028é😀", `'\x00\x7f\x85\xa0\u2028é😀'`},
	}
	for _, tt := range tests {
		if got := QuoteRepr(tt.in); got != tt.want {
			t.Errorf("QuoteRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
