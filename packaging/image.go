package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image settings. tunneld runs as an unprivileged user with its data in a
// volume; the environment points it at the volume and at all interfaces.
const (
	imageUser = 65532 // "nonroot", as distroless images use
	imageData = "/data"
)

// imageArchs are the image's platforms (those tunneld is released for).
var imageArchs = []string{"amd64", "arm64"}

// buildImage writes an OCI image layout of tunneld (a multi-platform index
// of the architectures whose binaries exist) to dist/adit-tunneld_VERSION_oci
// and the same layout as a tar file beside it. It returns the layout's path.
func buildImage(dist, version, commit string, mtime time.Time) (string, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	n := 0
	for _, arch := range imageArchs {
		bindir := filepath.Join(dist, fmt.Sprintf("adit_%s_linux_%s", version, arch))
		if _, err := os.Stat(filepath.Join(bindir, "tunneld")); err != nil {
			fmt.Fprintf(os.Stderr, "packaging: no linux/%s tunneld; the image will not have it\n", arch)
			continue
		}
		img, err := archImage(bindir, arch, version, commit, mtime)
		if err != nil {
			return "", fmt.Errorf("image linux/%s: %w", arch, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
		n++
	}
	if n == 0 {
		return "", nil
	}
	dir := filepath.Join(dist, fmt.Sprintf("adit-tunneld_%s_oci", version))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if _, err := layout.Write(dir, idx); err != nil {
		return "", err
	}
	return dir, tarDir(dir, dir+".tar", mtime)
}

// archImage is the image of one architecture: one layer with tunneld, the
// health check, a passwd entry and the data directory.
func archImage(bindir, arch, version, commit string, mtime time.Time) (v1.Image, error) {
	hc, err := buildHealthcheck(arch)
	if err != nil {
		return nil, err
	}
	tunneld, err := os.ReadFile(filepath.Join(bindir, "tunneld"))
	if err != nil {
		return nil, err
	}
	layerTar, err := rootfs(tunneld, hc, mtime)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: mtime}
	cf.Config = imageConfig(version, commit)
	return mutate.ConfigFile(img, cf)
}

// imageConfig is the runtime configuration: entrypoint, user, ports,
// volume, environment and health check.
func imageConfig(version, commit string) v1.Config {
	return v1.Config{
		Entrypoint: []string{"/usr/bin/tunneld"},
		User:       fmt.Sprintf("%d:%d", imageUser, imageUser),
		WorkingDir: imageData,
		Env: []string{"TUNNELD_LISTEN=0.0.0.0:8080", "TUNNELD_MQTT_LISTEN=0.0.0.0:1883",
			"TUNNELD_DATA_DIR=" + imageData, "ADIT_HEALTHCHECK_URL=http://127.0.0.1:8080/healthz"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "1883/tcp": {}},
		Volumes:      map[string]struct{}{imageData: {}},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/usr/bin/adit-healthcheck"},
			Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 10 * time.Second, Retries: 3},
		StopSignal: "SIGTERM",
		Labels: map[string]string{
			"org.opencontainers.image.title":    "adit tunneld",
			"org.opencontainers.image.source":   "https://github.com/adit-project/adit",
			"org.opencontainers.image.version":  version,
			"org.opencontainers.image.revision": commit,
		},
	}
}

// buildHealthcheck cross-compiles adit-healthcheck for linux/arch.
func buildHealthcheck(arch string) ([]byte, error) {
	out, err := os.CreateTemp("", "adit-healthcheck-")
	if err != nil {
		return nil, err
	}
	out.Close()
	defer os.Remove(out.Name())
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", out.Name(), "./healthcheck")
	cmd.Dir = "packaging"
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build adit-healthcheck: %v\n%s", err, b)
	}
	return os.ReadFile(out.Name())
}

// rootfs is the layer's tar: fixed times and owners, in a fixed order.
func rootfs(tunneld, healthcheck []byte, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:%s:/sbin/nologin\n", imageUser, imageUser, imageData)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", imageUser)
	entries := []struct {
		name string
		mode int64
		uid  int
		data []byte
		dir  bool
	}{
		{name: "data/", mode: 0o750, uid: imageUser, dir: true},
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "usr/", mode: 0o755, dir: true},
		{name: "usr/bin/", mode: 0o755, dir: true},
		{name: "usr/bin/adit-healthcheck", mode: 0o755, data: healthcheck},
		{name: "usr/bin/tunneld", mode: 0o755, data: tunneld},
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: mtime, Format: tar.FormatPAX,
			Typeflag: tar.TypeReg, Size: int64(len(e.data))}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}
