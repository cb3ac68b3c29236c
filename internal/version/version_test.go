package version

import (
	"strings"
	"testing"
)

func TestLongUsesStampedValues(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "v9.8.7", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z"
	want := "v9.8.7 (commit 0123456789ab, built 2026-01-02T03:04:05Z)"
	if got := Long(); got != want {
		t.Fatalf("Long() = %q, want %q", got, want)
	}
	if got := String(); got != "v9.8.7" {
		t.Fatalf("String() = %q, want v9.8.7", got)
	}
}

func TestLongUnstamped(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "", "", ""
	got := Long()
	if !strings.HasPrefix(got, String()+" (commit ") || !strings.Contains(got, ", built ") {
		t.Fatalf("Long() = %q, want %q (commit ..., built ...)", got, String())
	}
}
