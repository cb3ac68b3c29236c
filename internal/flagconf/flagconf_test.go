package flagconf

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newSet() (*flag.FlagSet, *string, *int, *string) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "def", "")
	n := fs.Int("count", 1, "")
	fs.String("config", "", "")
	return fs, name, n, fs.String("other-thing", "x", "")
}

func TestParsePrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(file, []byte("name = \"file\"\ncount = 3\nother-thing = \"file\"\n"), 0o600)
	env := map[string]string{"P_CONFIG": file, "P_COUNT": "4", "P_NAME": ""}
	fs, name, n, other := newSet()
	if err := Parse(fs, []string{"--other-thing", "flag"}, "P_", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *name != "file" || *n != 4 || *other != "flag" {
		t.Errorf("name, count, other-thing = %q, %d, %q; want file (file), 4 (env), flag (flag)", *name, *n, *other)
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("nmae = 1\ncount = \"many\"\n"), 0o600)
	nested := filepath.Join(dir, "nested.toml")
	os.WriteFile(nested, []byte("[name]\nx = 1\n"), 0o600)
	for _, c := range []struct {
		args []string
		env  map[string]string
		want []string
	}{
		{[]string{"extra"}, nil, []string{`unexpected argument "extra"`}},
		{[]string{"--config", bad}, nil, []string{`unknown key "nmae"`, "config file key count"}},
		{[]string{"--config", nested}, nil, []string{"plain value"}},
		{nil, map[string]string{"P_COUNT": "x"}, []string{"environment variable P_COUNT"}},
		{[]string{"--config", filepath.Join(dir, "missing.toml")}, nil, []string{"missing.toml"}},
	} {
		fs, _, _, _ := newSet()
		err := Parse(fs, c.args, "P_", func(k string) string { return c.env[k] })
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%v, env %v) = %v; want mention of %q", c.args, c.env, err, w)
			}
		}
	}
}
