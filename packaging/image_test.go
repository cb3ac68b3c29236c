package main

import (
	"archive/tar"
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// TestImage reads the OCI layout written for linux/amd64: its config
// (entrypoint, user, ports, volume, health check), its file system (owners
// and modes), and runs the image's tunneld and health check binaries with
// the image's environment: the check fails before tunneld listens and
// passes once it does.
func TestImage(t *testing.T) {
	dist := t.TempDir()
	buildAmd64(t, dist)
	t.Chdir("..")
	dir, err := buildImage(dist, testVersion, "0123abc", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	img := amd64Image(t, dir)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if !slices.Equal(c.Entrypoint, []string{"/usr/bin/tunneld"}) || c.User != "65532:65532" || c.WorkingDir != "/data" {
		t.Errorf("entrypoint %q user %q workdir %q; want /usr/bin/tunneld, 65532:65532, /data", c.Entrypoint, c.User, c.WorkingDir)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 2 {
		t.Errorf("exposed ports %v, want 8080/tcp and 1883/tcp", c.ExposedPorts)
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("volumes %v, want /data", c.Volumes)
	}
	if c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "/usr/bin/adit-healthcheck"}) {
		t.Errorf("healthcheck %+v, want CMD /usr/bin/adit-healthcheck", c.Healthcheck)
	}
	if !slices.Contains(c.Env, "TUNNELD_DATA_DIR=/data") || cf.Created.Unix() != 1700000000 {
		t.Errorf("env %q created %v", c.Env, cf.Created)
	}
	root := t.TempDir()
	owners := extract(t, img, root)
	for name, want := range map[string]string{"data": "65532 750", "usr/bin/tunneld": "0 755", "usr/bin/adit-healthcheck": "0 755"} {
		if owners[name] != want {
			t.Errorf("%s: uid and mode %q, want %q", name, owners[name], want)
		}
	}
	runHealth(t, root, c.Env)
}

// buildAmd64 builds the linux/amd64 release binaries into dist.
func buildAmd64(t *testing.T, dist string) {
	t.Helper()
	cmd := exec.Command("bash", "../scripts/release.sh", "--binaries-only", "linux/amd64")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+testVersion, "SOURCE_DATE_EPOCH=1700000000",
		"RELEASE_PROGRAMS=tunneld")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh linux/amd64: %v\n%s", err, out)
	}
}

func amd64Image(t *testing.T, dir string) v1.Image {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("the index has %d manifests, want 1 (linux/amd64 only was built)", len(im.Manifests))
	}
	m := im.Manifests[0]
	if m.Platform == nil || m.Platform.OS != "linux" || m.Platform.Architecture != "amd64" {
		t.Fatalf("manifest platform %+v, want linux/amd64", m.Platform)
	}
	img, err := idx.Image(m.Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// extract writes the image's files under root and returns "uid mode" by
// path.
func extract(t *testing.T, img v1.Image, root string) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(h.Name, "/")] = strconv.Itoa(h.Uid) + " " + strconv.FormatInt(h.Mode&0o7777, 8)
		if h.Typeflag == tar.TypeReg {
			path := filepath.Join(root, h.Name)
			os.MkdirAll(filepath.Dir(path), 0o755)
			data, _ := io.ReadAll(tr)
			if err := os.WriteFile(path, data, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// runHealth runs the extracted health check against the extracted tunneld.
func runHealth(t *testing.T, root string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	td := exec.CommandContext(ctx, filepath.Join(root, "usr/bin/tunneld"))
	td.Env = append(slices.Clone(env), "TUNNELD_LISTEN=127.0.0.1:0", "TUNNELD_MQTT_LISTEN=off", "TUNNELD_DATA_DIR="+t.TempDir())
	stderr, err := td.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := td.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { td.Process.Kill(); td.Wait() }()
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg="tunneld listening" addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	check := func(url string) error {
		hc := exec.CommandContext(ctx, filepath.Join(root, "usr/bin/adit-healthcheck"))
		hc.Env = []string{"ADIT_HEALTHCHECK_URL=" + url}
		return hc.Run()
	}
	var a string
	select {
	case a = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("the image's tunneld did not log its listen address")
	}
	if err := check("http://" + a + "/healthz"); err != nil {
		t.Errorf("adit-healthcheck against the running tunneld: %v, want success", err)
	}
	if err := check("http://" + a + "/no-such-page"); err == nil {
		t.Error("adit-healthcheck succeeded on a 404, want exit status 1")
	}
}
