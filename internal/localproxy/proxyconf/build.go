package proxyconf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// buildConfig validates the merged options and builds the Config.
func buildConfig(vals map[string]string, getenv func(string) string, warn func(string)) (localproxy.Config, error) {
	var cfg localproxy.Config
	st := defaultSettings()
	if path := vals["settings-json"]; path != "" {
		if err := loadSettings(path, &st, warn); err != nil {
			return cfg, configErrorf("settings: %v", err)
		}
	}
	st.apply(&cfg)
	if has(vals, "proxy-endpoint") == has(vals, "region") {
		return cfg, configErrorf("must specify one and only one of --region/-r or --proxy-endpoint/-e")
	}
	ep, err := endpointFromFlags(vals["proxy-endpoint"], vals["region"], &st)
	if errors.Is(err, localproxy.ErrInvalidConfig) {
		return cfg, err // already says so: no second prefix
	}
	if err != nil {
		return cfg, configErrorf("%v", err)
	}
	cfg.Endpoint = ep
	if cfg.Mode, err = modeFromFlags(vals); err != nil {
		return cfg, err
	}
	if err := mappingsFromFlags(vals, &cfg, warn); err != nil {
		return cfg, err
	}
	if err := tokensFromFlags(vals, &cfg); err != nil {
		return cfg, err
	}
	if cfg.ClientType, err = clientTypeFromFlags(vals, cfg.Mode, warn); err != nil {
		return cfg, err
	}
	insecure, err := switchSet(vals, "no-ssl-host-verify")
	if err != nil {
		return cfg, err
	}
	if insecure {
		warn("server certificate verification is disabled (-k)")
	}
	if cfg.TLS, err = tlsConfig(vals["capath"], vals["ca-bundle"], insecure); err != nil {
		return cfg, configErrorf("%v", err)
	}
	if cfg.WebProxy, err = webProxy(cfg.Endpoint, getenv); err != nil {
		return cfg, configErrorf("%v", err)
	}
	cfg.BindAddress = vals["local-bind-address"]
	if cfg.BindAddress == "" && cfg.Mode == tunnel.ModeSource {
		cfg.BindAddress = st.BindAddress
	}
	return cfg, nil
}

// modeFromFlags applies the reference's rules for -s, -d and -m.
func modeFromFlags(vals map[string]string) (tunnel.Mode, error) {
	s, d := has(vals, "source-listen-port"), has(vals, "destination-app")
	mode := tunnel.ModeSource
	if d {
		mode = tunnel.ModeDestination
	}
	if m, ok := vals["mode"]; ok {
		switch m {
		case "src", "source":
			mode = tunnel.ModeSource
		case "dst", "destination":
			mode = tunnel.ModeDestination
		default:
			return 0, configErrorf("mode %q is wrong: allowed values are src, dst, source, destination", m)
		}
	}
	switch {
	case s && d:
		return 0, configErrorf("must specify one and only one of --source-listen-port/-s or --destination-app/-d")
	case !s && !d && !has(vals, "mode"):
		return 0, configErrorf("must specify one of --source-listen-port/-s, --destination-app/-d or --mode/-m")
	case s && mode == tunnel.ModeDestination:
		return 0, configErrorf("-s and --mode disagree: mode is destination")
	case d && mode == tunnel.ModeSource:
		return 0, configErrorf("-d and --mode disagree: mode is source")
	}
	return mode, nil
}

// mappingsFromFlags parses -s/-d and the --config-dir mappings.
func mappingsFromFlags(vals map[string]string, cfg *localproxy.Config, warn func(string)) error {
	m := vals["source-listen-port"]
	if cfg.Mode == tunnel.ModeDestination {
		m = vals["destination-app"]
	}
	if has(vals, "source-listen-port") || has(vals, "destination-app") {
		ss, err := parseMappings(m, cfg.Mode)
		if err != nil {
			return configErrorf("%v", err)
		}
		cfg.Services = ss
	}
	dir, explicit := vals["config-dir"]
	if !explicit {
		dir = "config"
	}
	ss, err := readConfigDir(dir, explicit, cfg.Mode, warn)
	if err != nil {
		return configErrorf("%v", err)
	}
	cfg.FallbackServices = ss
	return nil
}

// tokensFromFlags validates the access and client tokens.
func tokensFromFlags(vals map[string]string, cfg *localproxy.Config) error {
	cfg.AccessToken = vals["access-token"]
	if err := localproxy.CheckAccessToken(cfg.AccessToken); err != nil {
		return err
	}
	if ct, ok := vals["client-token"]; ok {
		if !localproxy.ValidClientToken(ct) {
			return configErrorf("client token must match ^[a-zA-Z0-9-]{32,128}$ (got %d characters)", len(ct))
		}
		cfg.ClientToken = ct
	}
	return nil
}

// clientTypeFromFlags parses -y.
func clientTypeFromFlags(vals map[string]string, mode tunnel.Mode, warn func(string)) (localproxy.ClientType, error) {
	y, ok := vals["destination-client-type"]
	if !ok {
		return localproxy.ClientV3, nil
	}
	if mode == tunnel.ModeDestination {
		warn("--destination-client-type applies to source mode only; ignored")
		return localproxy.ClientV3, nil
	}
	switch strings.ToUpper(y) {
	case "V1":
		return localproxy.ClientV1, nil
	case "V2":
		return localproxy.ClientV2, nil
	case "V3":
		return localproxy.ClientV3, nil
	}
	warn(fmt.Sprintf("unknown destination client type %q; using V3", y))
	return localproxy.ClientV3, nil
}
