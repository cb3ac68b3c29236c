// Package version reports the build version of adit binaries.
package version

import "runtime/debug"

// Version is set at link time with -ldflags "-X .../version.Version=v1.2.3";
// otherwise String falls back to the module build info.
var Version = ""

// String returns the version of the running binary.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
