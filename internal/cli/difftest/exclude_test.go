package difftest

import "testing"

func TestExcluded(t *testing.T) {
	for in, want := range map[string]string{
		`a.b`:                         "",
		`"\ud83d\ude00"`:              "",
		`"\ud83d"`:                    "lone surrogate",
		`"\ude00"`:                    "lone surrogate",
		`"\ud83d\ud83d"`:              "lone surrogate",
		`a[99999999999999999999]`:     "",
		`a[1: -99999999999999999999]`: "",
		"`99999999999999999999`":      "integer beyond 64 bits",
		`to_number('NaN')`:            "NaN",
		"\xff":                        "not UTF-8",
	} {
		if got := Excluded(in, "{}"); got != want {
			t.Errorf("Excluded(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBeyondInt64(t *testing.T) {
	for out, want := range map[string]bool{
		`[1, 2]`:                   false,
		`9223372036854775807`:      false,
		`-9223372036854775808`:     false,
		`9223372036854775808`:      true,
		`["-9223372036854775809"]`: true,
		`1e+300`:                   false,
	} {
		if got := BeyondInt64(out); got != want {
			t.Errorf("BeyondInt64(%s) = %v, want %v", out, got, want)
		}
	}
}
