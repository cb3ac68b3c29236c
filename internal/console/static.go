package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed web
var webFS embed.FS

// staticFile is one embedded file, with its gzip form when that is smaller.
type staticFile struct {
	body, gz    []byte
	contentType string
	etag        string
}

// staticFiles are the console's pages and assets, keyed by the path under
// /console/ ("" is index.html).
type staticFiles struct{ byPath map[string]*staticFile }

// loadStatic returns the embedded files, read and compressed once per
// process.
var loadStatic = sync.OnceValues(readStatic)

// readStatic reads the embedded files and compresses them.
func readStatic() (*staticFiles, error) {
	sf := &staticFiles{byPath: make(map[string]*staticFile)}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		f := &staticFile{body: body, contentType: contentType(p)}
		sum := sha256.Sum256(body)
		f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		if gz := gzipBytes(body); len(gz) < len(body) {
			f.gz = gz
		}
		sf.byPath[strings.TrimPrefix(p, "web/")] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: load embedded files: %w", err)
	}
	if _, ok := sf.byPath["index.html"]; !ok {
		return nil, fmt.Errorf("console: embedded index.html missing")
	}
	return sf, nil
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".mjs", ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "text/plain; charset=utf-8"
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// serve answers GET and HEAD for an embedded file. Unknown paths get 404;
// "/console" redirects to "/console/". Files are revalidated with their
// ETag on every load, so a new tunneld is picked up at once.
func (sf *staticFiles) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/console" {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/console/")
	if name == "" {
		name = "index.html"
	}
	f, ok := sf.byPath[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// sizes returns the total bytes of the embedded files and of what is sent
// to a gzip-capable browser, leaving out the files under skipPrefix.
func (sf *staticFiles) sizes(skipPrefix string) (raw, sent int) {
	for p, f := range sf.byPath {
		if skipPrefix != "" && strings.HasPrefix(p, skipPrefix) {
			continue
		}
		raw += len(f.body)
		if f.gz != nil {
			sent += len(f.gz)
		} else {
			sent += len(f.body)
		}
	}
	return raw, sent
}
