package sigv4

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadCredentialsFile(t *testing.T) {
	const good = "\ufeff# adit credentials\n" +
		"[default]\n" +
		"aws_access_key_id=AKIAAAAAAAAAAAAAAAAA\n" +
		"  aws_secret_access_key   =   secret/one+A  \n" +
		"region = us-east-1\n" +
		"\n" +
		"; a temporary key\r\n" +
		"[ ci ]\r\n" +
		"AWS_ACCESS_KEY_ID = ASIABBBBBBBBBBBBBBBB\r\n" +
		"aws_secret_access_key = secret=two\r\n" +
		"aws_session_token = tok/en+==\r\n"
	keys, err := LoadCredentialsFile(writeTemp(t, good))
	if err != nil {
		t.Fatal(err)
	}
	want := StaticKeys{
		"AKIAAAAAAAAAAAAAAAAA": {AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secret/one+A", Name: "default"},
		"ASIABBBBBBBBBBBBBBBB": {AccessKeyID: "ASIABBBBBBBBBBBBBBBB", SecretAccessKey: "secret=two", SessionToken: "tok/en+==", Name: "ci"},
	}
	if len(keys) != len(want) {
		t.Fatalf("got %d keys, want %d", len(keys), len(want))
	}
	for id, k := range want {
		if got, ok := keys.Secret(id); !ok || got != k {
			t.Errorf("key %s = %+v, want %+v", id, got, k)
		}
	}
}

func TestLoadCredentialsFileErrors(t *testing.T) {
	for _, c := range []struct {
		name, content string
		want          []string // substrings of the error
	}{
		{"empty", "", []string{"no credentials"}},
		{"only comments", "# nothing\n; here\n\n", []string{"no credentials"}},
		{"missing secret", "[a]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n\n[b]\naws_access_key_id = AKIA2\n",
			[]string{"section [b]", "line 5", "aws_secret_access_key"}},
		{"missing key id", "[a]\naws_secret_access_key = s\n", []string{"section [a]", "line 1", "aws_access_key_id"}},
		{"duplicate key id", "[a]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n[b]\naws_access_key_id = AKIA1\naws_secret_access_key = s2\n",
			[]string{"section [b]", "line 4", "AKIA1", "[a]"}},
		{"duplicate section", "[a]\n[a]\n", []string{"line 2", "duplicate section [a]"}},
		{"setting outside section", "aws_access_key_id = AKIA1\n", []string{"line 1"}},
		{"malformed section", "[a\n", []string{"line 1", "malformed"}},
		{"no equal sign", "[a]\naws_access_key_id\n", []string{"line 2", "[a]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, c.content)
			_, err := LoadCredentialsFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"s1", "s2"} {
				if strings.Contains(err.Error(), "= "+secret) {
					t.Errorf("error %q leaks a secret", err)
				}
			}
		})
	}
	if _, err := LoadCredentialsFile(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestWriteCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []Key{GenerateKey(""), {AccessKeyID: "ASIA1", SecretAccessKey: "s/+=", SessionToken: "tok", Name: "ci"}} {
		if err := WriteCredentialsFile(path, k); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
		keys, err := LoadCredentialsFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := k
		if want.Name == "" {
			want.Name = DefaultProfile
		}
		if len(keys) != 1 || keys[k.AccessKeyID] != want {
			t.Errorf("read back %+v, want %+v", keys, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in dir, want 1", len(entries))
	}
	for _, k := range []Key{{AccessKeyID: "A", SecretAccessKey: "s\nx"}, {AccessKeyID: "A", SecretAccessKey: "s", Name: "a]b"}, {Name: "x"}} {
		if err := WriteCredentialsFile(path, k); err == nil {
			t.Errorf("WriteCredentialsFile(%+v) accepted", k)
		}
	}
}
