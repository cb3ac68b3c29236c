// Package version reports the build version of adit binaries: the version,
// commit and build date stamped at link time by scripts/release.sh, or
// what the Go toolchain recorded when they were not stamped.
package version

import (
	"fmt"
	"runtime/debug"
)

// Link-time values, set with
//
//	-ldflags "-X github.com/adit-project/adit/internal/version.Version=v1.2.3
//	          -X github.com/adit-project/adit/internal/version.Commit=<sha>
//	          -X github.com/adit-project/adit/internal/version.Date=<RFC 3339>"
//
// Date is the commit time, not the wall clock, so that two builds of one
// commit are byte-identical.
var (
	// Version is the release version, e.g. "v1.2.3".
	Version = ""
	// Commit is the full commit hash the binary was built from.
	Commit = ""
	// Date is the build date (RFC 3339, UTC).
	Date = ""
)

// String returns the version of the running binary: Version when stamped,
// otherwise the module version, otherwise "dev-<commit>" or "dev".
func String() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if c := commit(); len(c) >= 12 {
		return "dev-" + c[:12]
	}
	return "dev"
}

// Long returns the version with its commit and build date, e.g.
// "v1.2.3 (commit 0123456789ab, built 2026-01-02T03:04:05Z)"; unknown parts
// read "unknown".
func Long() string {
	c, d := commit(), date()
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("%s (commit %s, built %s)", String(), c, d)
}

// commit is Commit, or the VCS revision the toolchain recorded.
func commit() string {
	if Commit != "" {
		return Commit
	}
	return setting("vcs.revision")
}

// date is Date, or the VCS commit time the toolchain recorded.
func date() string {
	if Date != "" {
		return Date
	}
	return setting("vcs.time")
}

func setting(key string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
