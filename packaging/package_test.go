package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const testVersion = "v0.0.0-pkgtest"

// buildPackages runs scripts/release.sh for linux/amd64 into a temporary
// dist directory, then builds the packages from it (other platforms are
// skipped: their binaries are missing).
func buildPackages(t *testing.T) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.Command("bash", "../scripts/release.sh", "--binaries-only", "linux/amd64")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+testVersion, "SOURCE_DATE_EPOCH=1700000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh linux/amd64: %v\n%s", err, out)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..")
	if err := buildAll(dist, testVersion); err != nil {
		t.Fatal(err)
	}
	os.Chdir(wd)
	return dist
}

// TestPackages checks both amd64 .deb packages: their file lists, modes
// and conffiles, that the extracted binaries run, and that systemd accepts
// the units (systemd-analyze verify in a throwaway root holding the
// package and the host's base units); and that the .rpm files were made.
func TestPackages(t *testing.T) {
	for _, tool := range []string{"dpkg", "dpkg-deb", "systemd-analyze"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not installed (apt-get install dpkg systemd; scripts/test.sh does)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	dist := buildPackages(t)
	for _, c := range []struct {
		deb, rpm, unit string
		files          []string // path mode
		bins           []string
	}{
		{"adit-tunneld_0.0.0~pkgtest_amd64.deb", "adit-tunneld-0.0.0~pkgtest-1.x86_64.rpm", "tunneld.service", []string{
			"./usr/bin/tunneld -rwxr-xr-x", "./usr/bin/tunnelctl -rwxr-xr-x",
			"./usr/lib/systemd/system/tunneld.service -rw-r--r--", "./etc/adit/tunneld.toml -rw-r--r--"},
			[]string{"tunneld", "tunnelctl"}},
		{"adit-device_0.0.0~pkgtest_amd64.deb", "adit-device-0.0.0~pkgtest-1.x86_64.rpm", "tunnelagent.service", []string{
			"./usr/bin/localproxy -rwxr-xr-x", "./usr/bin/tunnelagent -rwxr-xr-x",
			"./usr/lib/systemd/system/tunnelagent.service -rw-r--r--", "./etc/adit/tunnelagent.toml -rw-r--r--"},
			[]string{"localproxy", "tunnelagent"}},
	} {
		deb := filepath.Join(dist, c.deb)
		checkListing(t, deb, c.files)
		conf := strings.TrimPrefix(c.files[3], ".")
		conf = conf[:strings.IndexByte(conf, ' ')]
		if out := run(t, "dpkg-deb", "-f", deb, "Package"); strings.TrimSpace(out) != strings.Split(c.deb, "_")[0] {
			t.Errorf("%s: Package field %q", c.deb, out)
		}
		if out := run(t, "dpkg-deb", "--ctrl-tarfile", deb); !strings.Contains(out, "conffiles") {
			t.Errorf("%s has no conffiles", c.deb)
		}
		ctrl := t.TempDir()
		run(t, "dpkg-deb", "-e", deb, ctrl)
		if b, err := os.ReadFile(filepath.Join(ctrl, "conffiles")); err != nil || strings.TrimSpace(string(b)) != conf {
			t.Errorf("%s conffiles = %q (%v), want %s", c.deb, b, err, conf)
		}
		root := t.TempDir()
		run(t, "dpkg", "-x", deb, root)
		for _, b := range c.bins {
			if out := run(t, filepath.Join(root, "usr", "bin", b), "--version"); !strings.Contains(out, testVersion) {
				t.Errorf("%s --version from %s = %q, want %s", b, c.deb, out, testVersion)
			}
		}
		verifyUnit(t, root, c.unit)
		installAndPurge(t, deb, strings.Split(c.deb, "_")[0], c.files)
		rpm, err := os.ReadFile(filepath.Join(dist, c.rpm))
		if err != nil || !bytes.HasPrefix(rpm, []byte{0xed, 0xab, 0xee, 0xdb}) {
			t.Errorf("%s: not an RPM file (%v)", c.rpm, err)
		}
	}
}

var listingLine = regexp.MustCompile(`^(\S+) \S+ +\d+ \S+ \S+ (\S+)$`)

// checkListing checks that dpkg -c lists each "path mode" of want.
func checkListing(t *testing.T, deb string, want []string) {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(run(t, "dpkg", "-c", deb)), "\n") {
		if m := listingLine.FindStringSubmatch(l); m != nil {
			got = append(got, m[2]+" "+m[1])
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("dpkg -c %s: no %q in %q", filepath.Base(deb), w, got)
		}
	}
}

// verifyUnit runs systemd-analyze verify on unit inside root, after copying
// the host's base units and /usr/bin/kill (ExecReload) to it. Warnings
// (unknown keys, bad values) count as failures.
func verifyUnit(t *testing.T, root, unit string) {
	t.Helper()
	units := filepath.Join(root, "usr", "lib", "systemd", "system")
	run(t, "cp", "-an", "/usr/lib/systemd/system/.", units) // -n: the package's unit stays
	if err := os.Symlink("usr/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	run(t, "cp", "/usr/bin/kill", filepath.Join(root, "usr", "bin", "kill"))
	cmd := exec.Command("systemd-analyze", "verify", "--root="+root, unit)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// installAndPurge installs deb with dpkg -i into a throwaway root that has
// its own dpkg database (maintainer scripts run outside a chroot: they
// only call systemctl when systemd runs), checks that every file is where
// the listing says and that dpkg knows the package, then purges it and
// checks that the files are gone.
func installAndPurge(t *testing.T, deb, pkg string, files []string) {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg := func(args ...string) string {
		return run(t, "dpkg", append([]string{"--root=" + root, "--log=/dev/null", "--force-script-chrootless",
			"--force-not-root", "--force-bad-path"}, args...)...)
	}
	dpkg("-i", deb)
	if st := dpkg("-s", pkg); !strings.Contains(st, "Status: install ok installed") {
		t.Errorf("dpkg -s %s after dpkg -i: %q", pkg, st)
	}
	for _, f := range files {
		path := strings.TrimPrefix(strings.Fields(f)[0], ".")
		if _, err := os.Stat(filepath.Join(root, path)); err != nil {
			t.Errorf("%s: %s not installed: %v", pkg, path, err)
		}
	}
	dpkg("--purge", pkg)
	for _, f := range files {
		path := strings.TrimPrefix(strings.Fields(f)[0], ".")
		if _, err := os.Stat(filepath.Join(root, path)); err == nil {
			t.Errorf("%s: %s left after dpkg --purge", pkg, path)
		}
	}
}
