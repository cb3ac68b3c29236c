// Package flagconf layers a command's settings: flags given on the command
// line win over environment variables (PREFIX + upper-case flag name with
// - as _), which win over the keys of one flat TOML config file (keys are
// the flag names).
package flagconf

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// EnvName returns the environment variable of a flag: prefix + NAME.
func EnvName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Apply fills every flag of the parsed fs that the command line left unset,
// first from the environment, then from configFile (if not empty). The
// flag named "config", if any, is never taken from the file. It reports
// every bad value and every unknown file key in one error.
func Apply(fs *flag.FlagSet, envPrefix string, getenv func(string) string, configFile string) error {
	file, err := ReadFile(configFile)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		env := EnvName(envPrefix, f.Name)
		if v := getenv(env); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s: %w", env, err))
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("config file key %s: %w", f.Name, err))
			}
		}
	})
	for k := range file {
		if fs.Lookup(k) == nil || k == "config" {
			errs = append(errs, fmt.Errorf("config file: unknown key %q", k))
		}
	}
	return errors.Join(errs...)
}

// ReadFile reads a flat TOML file into flag name → value strings. An empty
// path gives an empty map.
func ReadFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var m map[string]any
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v.(type) {
		case map[string]any, []any, []map[string]any:
			return nil, fmt.Errorf("config file %s: key %q must be a plain value", path, k)
		}
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}

// Parse parses args into fs, refusing positional arguments, then fills the
// flags the command line left unset with Apply. The config file is the
// value of fs's flag "config" if there is one and it is set, else the
// variable envPrefix+"CONFIG".
func Parse(fs *flag.FlagSet, args []string, envPrefix string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	file := getenv(envPrefix + "CONFIG")
	if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
		file = f.Value.String()
	}
	return Apply(fs, envPrefix, getenv, file)
}
