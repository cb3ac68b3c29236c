package proxyconf

import (
	"fmt"
	"slices"

	"github.com/adit-project/adit/internal/localproxy"
)

// Environment variables read by ParseArgs (lowest priority).
const (
	EnvAccessToken = "AWSIOT_TUNNEL_ACCESS_TOKEN"
	EnvClientToken = "AWSIOT_TUNNEL_CLIENT_TOKEN"
	EnvEndpoint    = "AWSIOT_TUNNEL_ENDPOINT"
	EnvRegion      = "AWSIOT_TUNNEL_REGION"
)

// Invocation is a parsed command line.
type Invocation struct {
	// Config is ready for localproxy.Run, except Logger, UserAgent and the
	// hooks.
	Config localproxy.Config
	// Verbosity is the -v level (default 4).
	Verbosity int
	// Help and Version ask to print usage or the version and exit.
	Help, Version bool
	// ExportSettings is the --export-default-settings file, if given.
	ExportSettings string
	// Warnings are to be logged once the logger exists.
	Warnings []string
}

// ParseArgs parses the reference proxy's command line (args without the
// program name). Values come from the command line, then the --config
// file, then the environment through getenv. Errors wrap
// localproxy.ErrInvalidConfig.
func ParseArgs(args []string, getenv func(string) string) (*Invocation, error) {
	vals, err := parseFlags(args)
	if err != nil {
		return nil, err
	}
	inv := &Invocation{}
	if inv.Help, err = switchSet(vals, "help"); err != nil || inv.Help {
		return inv, err
	}
	if inv.Version, err = switchSet(vals, "version"); err != nil || inv.Version {
		return inv, err
	}
	if inv.ExportSettings = vals["export-default-settings"]; inv.ExportSettings != "" {
		return inv, nil
	}
	if _, ok := vals["access-token"]; ok {
		inv.Warnings = append(inv.Warnings, "access token given on the command line; consider "+EnvAccessToken+" instead")
	}
	if err := mergeConfigFile(vals); err != nil {
		return nil, err
	}
	mergeEnv(vals, getenv)
	if inv.Verbosity, err = parseVerbosity(vals["verbose"], has(vals, "verbose")); err != nil {
		return nil, err
	}
	warn := func(s string) { inv.Warnings = append(inv.Warnings, s) }
	if inv.Config, err = buildConfig(vals, getenv, warn); err != nil {
		return nil, err
	}
	return inv, nil
}

func has(vals map[string]string, k string) bool { _, ok := vals[k]; return ok }

func switchSet(vals map[string]string, k string) (bool, error) {
	if !has(vals, k) {
		return false, nil
	}
	b, err := parseBool(vals[k])
	if err != nil {
		return false, configErrorf("--%s: %v", k, err)
	}
	return b, nil
}

// mergeConfigFile adds the --config file's options that the command line
// did not set.
func mergeConfigFile(vals map[string]string) error {
	path, ok := vals["config"]
	if !ok {
		return nil
	}
	kv, err := readINI(path)
	if err != nil {
		return configErrorf("config file: %v", err)
	}
	allowed := func(k string) bool {
		switch k {
		case "help", "version", "config", "export-default-settings":
			return false
		}
		return slices.ContainsFunc(options, func(o option) bool { return o.long == k })
	}
	for _, p := range kv {
		if !allowed(p[0]) {
			return configErrorf("config file %s: unknown option %q", path, p[0])
		}
		if !has(vals, p[0]) {
			vals[p[0]] = p[1]
		}
	}
	return nil
}

// mergeEnv adds the environment's values for options still unset. The
// endpoint variables apply only when neither -e nor -r was given.
func mergeEnv(vals map[string]string, getenv func(string) string) {
	for k, env := range map[string]string{"access-token": EnvAccessToken, "client-token": EnvClientToken} {
		if v := getenv(env); v != "" && !has(vals, k) {
			vals[k] = v
		}
	}
	if !has(vals, "proxy-endpoint") && !has(vals, "region") {
		if v := getenv(EnvEndpoint); v != "" {
			vals["proxy-endpoint"] = v
		}
		if v := getenv(EnvRegion); v != "" {
			vals["region"] = v
		}
	}
}

// configErrorf returns an error wrapping localproxy.ErrInvalidConfig.
func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", localproxy.ErrInvalidConfig, fmt.Sprintf(format, args...))
}
