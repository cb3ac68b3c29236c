package devices

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPasswordIterations("s3cret-password", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPasswordIterations("s3cret-password", MinIterations)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !VerifyPassword(h, "s3cret-password") || VerifyPassword(h, "s3cret-passwore") || VerifyPassword("garbage", "x") {
		t.Error("VerifyPassword accepts or refuses wrongly")
	}
	if _, err := HashPasswordIterations("x", 1000); err == nil {
		t.Error("a cheap iteration count was accepted")
	}
	if a, b := GeneratePassword(), GeneratePassword(); len(a) != 32 || a == b {
		t.Error("GeneratePassword is not 32 random characters")
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	h, _ := HashPasswordIterations("pw", MinIterations)
	cheap := strings.Replace(h, "$100000$", "$1000$", 1)
	for _, c := range []struct{ doc, want string }{
		{`{"devices":[{"thingName":"a"},{"thingName":"a"}]}`, "listed twice"},
		{`{"devices":[{"thingName":"a/b"}]}`, "thingName"},
		{`{"devices":[{"thingName":"a","passwordHash":"plain"}]}`, "passwordHash"},
		{`{"devices":[{"thingName":"a","passwordHash":"` + cheap + `"}]}`, "iterations"},
		{`{"devices":[{"thingName":"a","revokedCertificateSerials":["xyz"]}]}`, "hex"},
		{`{"devices":[],"other":1}`, "unknown field"},
		{`{"devices":[]} {}`, "trailing"},
	} {
		if _, err := Parse([]byte(c.doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.doc, err, c.want)
		}
	}
	s, err := Parse([]byte(`{"devices":[{"thingName":"a","revokedCertificateSerials":["0A:1b"]}]}`))
	if err != nil || !s.Lookup("a").CertRevoked("a1b") || s.Lookup("b") != nil {
		t.Errorf("valid file: %v", err)
	}
}

func TestWriteIsPrivateAndRoundTrips(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "devices.json")
	if s, err := Load(path); err != nil || s.Len() != 0 {
		t.Fatalf("missing file: %v", err)
	}
	if err := Write(path, File{Devices: []Device{{ThingName: "a"}, {ThingName: "a"}}}); err == nil {
		t.Fatal("Write accepted an invalid document")
	}
	if err := Write(path, File{Devices: []Device{{ThingName: "a", Revoked: true}}}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	s, err := Load(path)
	if err != nil || !s.Lookup("a").Revoked {
		t.Fatalf("round trip: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".mqtt-devices-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
