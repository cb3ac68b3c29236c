package proxyconf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/adit-project/adit/internal/localproxy"
)

func TestConfigDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.ini"), []byte("[services]\nSSH = 2222\nbad id = 3\nWEB=0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "b.ini"), []byte("SSH = 9999\nRDP = 3389\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "junk.txt"), []byte("not ini\n"), 0o644)
	inv, err := ParseArgs([]string{"-t", "x", "-e", "h", "-m", "src", "--config-dir", dir}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "fallback", inv.Config.FallbackServices, []localproxy.Service{{ID: "SSH", Addr: "2222"}, {ID: "RDP", Addr: "3389"}})
	if len(inv.Warnings) != 4 { // token on the command line, bad id, WEB=0, junk.txt
		t.Errorf("warnings = %q, want 4", inv.Warnings)
	}
}
