package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The release tests build the device binaries the way `make release` does
// (scripts/release.sh), for linux/arm64 and linux/armv7 only, and check
// that they are static, stamped and reproducible, and that they really run
// (under qemu-user) against a native tunneld.

// Stamped values of the release test builds.
const (
	relVersion = "v0.0.0-releasetest"
	relCommit  = "0123456789abcdef0123456789abcdef01234567"
	relEpoch   = "1700000000" // 2023-11-14T22:13:20Z
	relDate    = "2023-11-14T22:13:20Z"
)

var (
	releaseOnce sync.Once
	releaseDist string
	releaseErr  error
)

// releaseBinary returns the path of a release build of prog for platform
// ("linux/arm64", "linux/armv7"), building both platforms on first use.
func releaseBinary(t *testing.T, platform, prog string) string {
	t.Helper()
	releaseOnce.Do(func() {
		releaseDist = filepath.Join(binDir, "dist")
		releaseErr = runRelease(releaseDist, "", "linux/arm64", "linux/armv7")
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	os, arch, _ := strings.Cut(platform, "/")
	return filepath.Join(releaseDist, fmt.Sprintf("adit_%s_%s_%s", relVersion, os, arch), prog)
}

// runRelease runs scripts/release.sh --binaries-only for localproxy and
// tunnelagent into dist; a non-empty gocache gives the build its own
// (empty) Go build cache.
func runRelease(dist, gocache string, platforms ...string) error {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return err
	}
	args := append([]string{filepath.Join(root, "scripts", "release.sh"), "--binaries-only"}, platforms...)
	cmd := exec.Command("bash", args...)
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+relVersion, "COMMIT="+relCommit,
		"SOURCE_DATE_EPOCH="+relEpoch, "RELEASE_PROGRAMS=localproxy tunnelagent", "JOBS=2")
	if gocache != "" {
		cmd.Env = append(cmd.Env, "GOCACHE="+gocache)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("release.sh %s: %v\n%s", strings.Join(platforms, " "), err, out)
	}
	return nil
}

// TestReleaseReproducible builds linux/armv7 localproxy a second time, in
// another directory with an empty build cache (so nothing is reused), and
// requires the two binaries to be byte-identical.
func TestReleaseReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a cross-compiled binary from scratch")
	}
	first, err := os.ReadFile(releaseBinary(t, "linux/armv7", "localproxy"))
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	if err := runRelease(dist, t.TempDir(), "linux/armv7"); err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(filepath.Join(dist, "adit_"+relVersion+"_linux_armv7", "localproxy"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds of linux/armv7 localproxy differ (%d and %d bytes)", len(first), len(second))
	}
}

// TestReleaseStaticAndStamped checks `go version -m` (CGO off, trimpath,
// target), the stamped version, commit and date, and `file` (statically linked ELF of the right
// machine), and the 10 MiB budget of the device binaries.
func TestReleaseStaticAndStamped(t *testing.T) {
	for _, c := range []struct{ platform, machine, goarch string }{
		{"linux/arm64", "ARM aarch64", "GOARCH=arm64"},
		{"linux/armv7", "ARM, EABI5", "GOARM=7"},
	} {
		for _, prog := range []string{"localproxy", "tunnelagent"} {
			bin := releaseBinary(t, c.platform, prog)
			out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
			if err != nil {
				t.Fatalf("go version -m %s: %v\n%s", bin, err, out)
			}
			for _, want := range []string{"CGO_ENABLED=0", "-trimpath=true", c.goarch} {
				if !strings.Contains(string(out), want) {
					t.Errorf("go version -m %s %s: no %q in:\n%s", c.platform, prog, want, out)
				}
			}
			// With -trimpath the toolchain does not record -ldflags, so the
			// stamp is looked for in the binary itself.
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{relVersion, relCommit, relDate} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("%s %s does not contain the stamped %q", c.platform, prog, want)
				}
			}
			requireTool(t, "file", "file")
			out, err = exec.Command("file", "-b", bin).CombinedOutput()
			if err != nil {
				t.Fatalf("file %s: %v\n%s", bin, err, out)
			}
			if s := string(out); !strings.Contains(s, "statically linked") || !strings.Contains(s, c.machine) {
				t.Errorf("file %s %s = %q, want a statically linked %s ELF", c.platform, prog, s, c.machine)
			}
			if fi, err := os.Stat(bin); err != nil || fi.Size() > 10<<20 {
				t.Errorf("%s %s: size %v (err %v), want at most 10 MiB", c.platform, prog, fi.Size(), err)
			}
		}
	}
}

// requireTool fails in CI (CI=true) and skips elsewhere when a program is
// missing; pkg is the Debian package that has it.
func requireTool(t *testing.T, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	msg := fmt.Sprintf("%s is not installed; install it with: apt-get install -y %s (scripts/test.sh does)", tool, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// qemuFor returns the qemu-user emulator of a platform, or "" when the
// platform runs natively.
func qemuFor(t *testing.T, platform string) string {
	t.Helper()
	emu := map[string]string{"linux/arm64": "qemu-aarch64", "linux/armv7": "qemu-arm"}[platform]
	if (platform == "linux/arm64" && runtime.GOARCH == "arm64") || emu == "" {
		return ""
	}
	requireTool(t, emu, "qemu-user")
	return emu
}
