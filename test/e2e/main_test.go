// Package e2e runs the localproxy and tunneld binaries end to end on
// 127.0.0.1: a source localproxy process, a real tunneld (in-process
// through servertest, or as a process where the test is about processes)
// and a destination localproxy process, with real TCP services behind
// them (echo, checksum, OpenSSH).
//
// localproxy is built once per test binary (TestMain), tunneld once when a
// test first needs it, both without the race detector unless
// ADIT_E2E_RACE=1 is set.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binDir        string
	localproxyBin string // built by TestMain

	tunneldOnce sync.Once
	tunneldBin  string
	tunneldErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "adit-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binDir = dir
		if localproxyBin, err = goBuild("localproxy"); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// tunneld returns the tunneld binary, building it on first use.
func tunneld(t *testing.T) string {
	t.Helper()
	tunneldOnce.Do(func() { tunneldBin, tunneldErr = goBuild("tunneld") })
	if tunneldErr != nil {
		t.Fatal(tunneldErr)
	}
	return tunneldBin
}

// goBuild compiles cmd/<name> into binDir and returns the binary's path.
func goBuild(name string) (string, error) {
	// go test puts its own GOROOT/bin first on PATH, so this finds the
	// toolchain that runs the tests.
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go tool on PATH to build %s: %w", name, err)
	}
	bin := filepath.Join(binDir, name)
	args := []string{"build", "-o", bin}
	if os.Getenv("ADIT_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	args = append(args, "github.com/adit-project/adit/cmd/"+name)
	if out, err := exec.Command(goTool, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %v: %v\n%s", args, err, out)
	}
	return bin, nil
}
