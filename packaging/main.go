// Command packaging builds adit's .deb and .rpm packages with nfpm (as a
// library) from the binaries scripts/release.sh left in dist/:
// adit-tunneld (tunneld, tunnelctl, tunneld.service, /etc/adit/tunneld.toml)
// and adit-device (localproxy, tunnelagent, tunnelagent.service,
// /etc/adit/tunnelagent.toml). It is its own module so that nfpm's
// dependencies stay out of the binaries' module.
//
//	go -C packaging run . -root .. -dist ../dist -version v1.2.3 -commit <sha>
//
// File times come from SOURCE_DATE_EPOCH (release.sh sets it to the commit
// time). Platforms whose binaries are missing are skipped with a note.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// target is one package for one architecture.
type target struct {
	pkg      string   // adit-tunneld or adit-device (the YAML file's name)
	unit     string   // service the package installs
	conf     string   // its configuration file
	platform string   // release.sh's ARCH: dist/adit_VERSION_linux_<platform>
	arch     string   // nfpm's arch name
	formats  []string // deb, rpm
}

// targets: Debian's armhf gets the ARMv6 build, which runs on every
// Raspberry Pi as well as on ARMv7 boards; the RPM armv7hl the ARMv7 one.
var targets = func() []target {
	var ts []target
	both := []string{"deb", "rpm"}
	for _, a := range [][2]string{{"amd64", "amd64"}, {"arm64", "arm64"}} {
		ts = append(ts, target{"adit-tunneld", "tunneld", "/etc/adit/tunneld.toml", a[0], a[1], both})
	}
	for _, a := range [][3]string{{"amd64", "amd64", ""}, {"arm64", "arm64", ""}, {"armv6", "arm6", "deb"},
		{"armv7", "arm7", "rpm"}, {"386", "386", ""}, {"riscv64", "riscv64", ""}} {
		formats := both
		if a[2] != "" {
			formats = []string{a[2]}
		}
		ts = append(ts, target{"adit-device", "tunnelagent", "/etc/adit/tunnelagent.toml", a[0], a[1], formats})
	}
	return ts
}()

func main() {
	root := flag.String("root", ".", "repository root (the YAML and unit files are under ROOT/packaging)")
	dist := flag.String("dist", "dist", "release directory with adit_VERSION_linux_ARCH/ binaries; packages are written here")
	version := flag.String("version", "", "release version, e.g. v1.2.3 (required)")
	commit := flag.String("commit", "", "commit hash, for the image's labels")
	flag.Parse()
	if *version == "" {
		fmt.Fprintln(os.Stderr, "packaging: -version is required")
		os.Exit(2)
	}
	absDist, err := filepath.Abs(*dist)
	if err == nil {
		err = os.Chdir(*root)
	}
	if err == nil {
		err = buildAll(absDist, *version)
	}
	if err == nil {
		var dir string
		dir, err = buildImage(absDist, *version, *commit, sourceDate())
		if dir != "" {
			fmt.Fprintf(os.Stderr, "image %s (and .tar)\n", dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
}

// sourceDate is SOURCE_DATE_EPOCH as a time (the Unix epoch when unset).
func sourceDate() time.Time {
	n, _ := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	return time.Unix(n, 0).UTC()
}

// buildAll builds every target whose binaries exist.
func buildAll(dist, version string) error {
	scratch, err := os.MkdirTemp("", "adit-packaging-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	for _, t := range targets {
		bindir := filepath.Join(dist, fmt.Sprintf("adit_%s_linux_%s", version, t.platform))
		if _, err := os.Stat(bindir); err != nil {
			fmt.Fprintf(os.Stderr, "packaging: no %s; skipping %s for %s\n", bindir, t.pkg, t.platform)
			continue
		}
		scripts, err := writeScripts(scratch, t)
		if err != nil {
			return err
		}
		env := map[string]string{"ARCH": t.arch, "VERSION": version, "BINDIR": bindir, "SCRIPTS": scripts}
		for _, format := range t.formats {
			out, err := build(filepath.Join("packaging", t.pkg+".yaml"), format, env, dist)
			if err != nil {
				return fmt.Errorf("%s %s %s: %w", t.pkg, t.platform, format, err)
			}
			fmt.Fprintf(os.Stderr, "packaged %s\n", out)
		}
	}
	return nil
}

// writeScripts writes the maintainer scripts of t, with its unit and
// configuration file filled in, into a directory of their own.
func writeScripts(scratch string, t target) (string, error) {
	dir := filepath.Join(scratch, t.pkg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	r := strings.NewReplacer("@UNIT@", t.unit+".service", "@CONF@", t.conf)
	for _, name := range []string{"postinstall.sh", "preremove.sh"} {
		b, err := os.ReadFile(filepath.Join("packaging", "scripts", name))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(r.Replace(string(b))), 0o755); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// build makes one package from a YAML configuration and returns its path.
func build(config, format string, env map[string]string, outDir string) (string, error) {
	cfg, err := nfpm.ParseFileWithEnvMapping(config, func(k string) string { return env[k] })
	if err != nil {
		return "", err
	}
	info, err := cfg.Get(format)
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	info.Scripts.PostInstall = filepath.Join(env["SCRIPTS"], "postinstall.sh")
	info.Scripts.PreRemove = filepath.Join(env["SCRIPTS"], "preremove.sh")
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", err
	}
	pkger, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	path := filepath.Join(outDir, pkger.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := pkger.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	return path, f.Close()
}
