package proxyconf

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// parseMappings parses the -s/-d grammar: items separated by ",", each
// "SERVICE=endpoint"; a single item without "=" is the V1 format. Ports
// must be 1..65535; destination endpoints may be "host:port" or a Unix
// socket path.
func parseMappings(s string, mode tunnel.Mode) ([]localproxy.Service, error) {
	var items []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, errors.New("empty port mapping")
	}
	if len(items) == 1 && !strings.Contains(items[0], "=") {
		return []localproxy.Service{{Addr: items[0]}}, checkMapping(localproxy.Service{Addr: items[0]}, mode)
	}
	out := make([]localproxy.Service, 0, len(items))
	for _, it := range items {
		id, ep, ok := strings.Cut(it, "=")
		id, ep = strings.TrimSpace(id), strings.TrimSpace(ep)
		if !ok || id == "" || ep == "" || strings.Contains(ep, "=") {
			return nil, fmt.Errorf("wrong format for the port mapping %q (example: SSH1=5555,SSH2=6666)", it)
		}
		sv := localproxy.Service{ID: id, Addr: ep}
		if err := checkMapping(sv, mode); err != nil {
			return nil, err
		}
		for _, o := range out {
			if o.ID == id {
				return nil, fmt.Errorf("duplicate service id %q in the port mapping", id)
			}
		}
		out = append(out, sv)
	}
	return out, nil
}

// checkMapping validates one mapping as the command line requires (port 0
// is not allowed there).
func checkMapping(s localproxy.Service, mode tunnel.Mode) error {
	if s.ID != "" && !localproxy.ValidServiceID(s.ID) {
		return fmt.Errorf("invalid service id %q: must match ^[a-zA-Z0-9_-]+$, at most %d characters", s.ID, localproxy.MaxServiceIDLen)
	}
	if err := localproxy.CheckMappingAddr(s.Addr, mode, false); err != nil {
		return fmt.Errorf("invalid endpoint %q for service %q: %v", s.Addr, s.ID, err)
	}
	return nil
}

// readConfigDir reads every regular file under dir (recursively) as INI
// lines "SERVICE = endpoint" and returns the mappings; the first mapping
// of a service wins. A missing default directory is not an error.
func readConfigDir(dir string, explicit bool, mode tunnel.Mode, warn func(string)) ([]localproxy.Service, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		if explicit {
			return nil, fmt.Errorf("invalid configuration directory %q", dir)
		}
		return nil, nil
	}
	var out []localproxy.Service
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			return nil
		}
		kv, err := readINI(path)
		if err != nil {
			warn(fmt.Sprintf("skipping configuration file %s: %v", path, err))
			return nil
		}
		for _, p := range kv {
			sv := localproxy.Service{ID: p[0], Addr: p[1]}
			err := errors.New("missing service id")
			if sv.ID != "" {
				err = checkMapping(sv, mode)
			}
			if err != nil {
				warn(fmt.Sprintf("%s: ignoring mapping %s=%s: %v", path, p[0], p[1], err))
				continue
			}
			if !containsID(out, sv.ID) {
				out = append(out, sv)
			}
		}
		return nil
	})
	return out, err
}

func containsID(ss []localproxy.Service, id string) bool {
	for _, s := range ss {
		if s.ID == id {
			return true
		}
	}
	return false
}

// readINI reads "key = value" pairs; blank lines, "#" and ";" comments and
// [section] headers are skipped.
func readINI(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want key=value", n)
		}
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out, sc.Err()
}
