package sigv4

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultProfile names the section WriteCredentialsFile writes for a key
// without a name.
const DefaultProfile = "default"

// section is one [name] block of a credentials file being parsed.
type section struct {
	key  Key
	line int
}

// LoadCredentialsFile reads an AWS shared-credentials file. Every [name]
// section is one accepted key, named after the section, and must set
// aws_access_key_id and aws_secret_access_key; aws_session_token (or the
// legacy aws_security_token) is optional and other settings are ignored.
// Lines starting with '#' or ';' are comments.
func LoadCredentialsFile(path string) (StaticKeys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	keys, err := parseCredentials(data)
	if err != nil {
		return nil, fmt.Errorf("load credentials %s: %w", path, err)
	}
	return keys, nil
}

func parseCredentials(data []byte) (StaticKeys, error) {
	var sections []*section
	seen := map[string]bool{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			name, ok := strings.CutSuffix(line[1:], "]")
			name = strings.TrimSpace(name)
			if !ok || name == "" {
				return nil, fmt.Errorf("line %d: malformed section header", n)
			}
			if seen[name] {
				return nil, fmt.Errorf("line %d: duplicate section [%s]", n, name)
			}
			seen[name] = true
			sections = append(sections, &section{key: Key{Name: name}, line: n})
		default:
			if len(sections) == 0 {
				return nil, fmt.Errorf("line %d: setting outside of any section", n)
			}
			if err := sections[len(sections)-1].set(line, n); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return collectKeys(sections)
}

// set applies one "name = value" line to the section.
func (s *section) set(line string, n int) error {
	name, value, ok := strings.Cut(line, "=")
	if !ok {
		return fmt.Errorf("line %d: expected name = value in section [%s]", n, s.key.Name)
	}
	value = strings.TrimSpace(value)
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "aws_access_key_id":
		s.key.AccessKeyID = value
	case "aws_secret_access_key":
		s.key.SecretAccessKey = value
	case "aws_session_token", "aws_security_token":
		s.key.SessionToken = value
	}
	return nil
}

// collectKeys checks every section is complete and access key ids are unique.
func collectKeys(sections []*section) (StaticKeys, error) {
	if len(sections) == 0 {
		return nil, errors.New("no credentials")
	}
	keys := make(StaticKeys, len(sections))
	for _, s := range sections {
		switch {
		case s.key.AccessKeyID == "":
			return nil, fmt.Errorf("section [%s] at line %d: missing aws_access_key_id", s.key.Name, s.line)
		case s.key.SecretAccessKey == "":
			return nil, fmt.Errorf("section [%s] at line %d: missing aws_secret_access_key", s.key.Name, s.line)
		}
		if prev, dup := keys[s.key.AccessKeyID]; dup {
			return nil, fmt.Errorf("section [%s] at line %d: access key id %s already used by section [%s]",
				s.key.Name, s.line, s.key.AccessKeyID, prev.Name)
		}
		keys[s.key.AccessKeyID] = s.key
	}
	return keys, nil
}

// WriteCredentialsFile writes k as the only section of an AWS shared
// credentials file at path, readable by the owner only (mode 0600). The
// section is named k.Name, or DefaultProfile when that is empty. An existing
// file is replaced atomically.
func WriteCredentialsFile(path string, k Key) error {
	name := k.Name
	if name == "" {
		name = DefaultProfile
	}
	if strings.ContainsAny(name, "[]\r\n") || strings.ContainsAny(k.AccessKeyID+k.SecretAccessKey+k.SessionToken, "\r\n") {
		return errors.New("write credentials: name or key contains a line break or bracket")
	}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return errors.New("write credentials: empty access key id or secret")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, k.AccessKeyID, k.SecretAccessKey)
	if k.SessionToken != "" {
		fmt.Fprintf(&b, "aws_session_token = %s\n", k.SessionToken)
	}
	if err := writeFile0600(path, []byte(b.String())); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	return nil
}

// writeFile0600 writes data to a temporary file beside path (created 0600)
// and renames it over path.
func writeFile0600(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
