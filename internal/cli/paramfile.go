package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// paramLoader resolves parameter values that reference files or URLs
// (awscli/paramfile.py): file:// (text), fileb:// (bytes) and, unless
// cli_follow_urlparam is false, http:// and https://.
type paramLoader struct {
	ctx     context.Context
	getenv  func(string) string
	remote  bool
	httpGet func(ctx context.Context, url string) (int, string, error)
}

// load returns the referenced content, or ok=false when value is not a
// reference. Local-only loaders serve the shorthand "key@=file://..." form.
func (l *paramLoader) load(value string, local bool) (any, bool, error) {
	switch {
	case strings.HasPrefix(value, "file://"):
		v, err := l.file(value, "file://", false)
		return v, true, err
	case strings.HasPrefix(value, "fileb://"):
		v, err := l.file(value, "fileb://", true)
		return v, true, err
	case local || !l.remote:
		return nil, false, nil
	case strings.HasPrefix(value, "http://"), strings.HasPrefix(value, "https://"):
		v, err := l.uri(value)
		return v, true, err
	}
	return nil, false, nil
}

// loadText is load for the shorthand parser, which only wants text.
func (l *paramLoader) loadText(value string) (string, bool, error) {
	v, ok, err := l.load(value, true)
	if !ok || err != nil {
		return "", ok, err
	}
	if b, isBytes := v.([]byte); isBytes {
		return string(b), true, nil
	}
	return v.(string), true, nil
}

func (l *paramLoader) file(value, prefix string, binary bool) (any, error) {
	path := expandVars(expandUser(value[len(prefix):], l.getenv), l.getenv)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Unable to load paramfile %s: %s", value, osErrorString(err, path))
	}
	if binary {
		return data, nil
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("Unable to load paramfile (%s), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.", path)
	}
	// Python's text mode translates \r\n and \r to \n.
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

func (l *paramLoader) uri(value string) (any, error) {
	status, body, err := l.httpGet(l.ctx, value)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("received non 200 status code of %d", status)
	}
	if err != nil {
		return nil, fmt.Errorf("Unable to retrieve %s: %s", value, err)
	}
	return body, nil
}

// httpGet fetches a URL for http:// and https:// parameter values.
func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// osErrorString formats err like Python's OSError str():
// "[Errno 2] No such file or directory: '/x'".
func osErrorString(err error, path string) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return fmt.Sprintf("[Errno %d] %s: %s", int(errno), msg, pyjson.QuoteRepr(path))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// expandUser is os.path.expanduser for "~" and "~/...".
func expandUser(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			return strings.TrimSuffix(home, "/") + p[1:]
		}
	}
	return p
}

var envVarRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// expandVars is os.path.expandvars: known $VAR and ${VAR} references are
// replaced, unknown ones stay.
func expandVars(p string, getenv func(string) string) string {
	if !strings.Contains(p, "$") {
		return p
	}
	return envVarRef.ReplaceAllStringFunc(p, func(ref string) string {
		name := strings.Trim(ref[1:], "{}")
		if v := getenv(name); v != "" {
			return v
		}
		return ref
	})
}
