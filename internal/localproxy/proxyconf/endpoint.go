package proxyconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
)

var (
	endpointRE = regexp.MustCompile(`^[a-zA-Z0-9.:\[\]-]+$`)
	regionRE   = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// endpointFromFlags builds Config.Endpoint from -e or -r. -e takes the
// reference's host[:port] (TLS, port 443) or, as an extension, a ws:// or
// wss:// URL.
func endpointFromFlags(e, region string, s *settings) (string, error) {
	if e != "" {
		e = strings.ToLower(e)
		if strings.Contains(e, "://") {
			if _, err := localproxy.ParseEndpoint(e); err != nil {
				return "", err
			}
			return e, nil
		}
		if len(e) > 253 || !endpointRE.MatchString(e) {
			return "", fmt.Errorf("invalid proxy endpoint %q: want host[:port], ws://host:port or wss://host:port", e)
		}
		u := "wss://" + e
		if _, err := localproxy.ParseEndpoint(u); err != nil {
			return "", err
		}
		return u, nil
	}
	if len(region) > 64 || !regionRE.MatchString(region) {
		return "", fmt.Errorf("invalid region %q", region)
	}
	if host := s.RegionOverrides[region]; host != "" {
		return "wss://" + host, nil
	}
	return "wss://" + fmt.Sprintf(s.EndpointFormat, region), nil
}

// tlsConfig builds the client TLS configuration: system roots plus every
// PEM file in capath and the caBundle file; insecure disables
// verification (-k).
func tlsConfig(capath, caBundle string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	if capath == "" && caBundle == "" {
		return cfg, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if capath != "" {
		entries, err := os.ReadDir(capath)
		if err != nil {
			return nil, fmt.Errorf("capath: %w", err)
		}
		n := 0
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(capath, e.Name()))
			if err == nil && pool.AppendCertsFromPEM(data) {
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("capath %s: no PEM certificates found", capath)
		}
	}
	if caBundle != "" {
		data, err := os.ReadFile(caBundle)
		if err != nil {
			return nil, fmt.Errorf("ca-bundle: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("ca-bundle %s: no PEM certificates found", caBundle)
		}
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// webProxy returns the HTTP CONNECT proxy for endpoint from the values of
// https_proxy (preferred) or HTTPS_PROXY, honouring no_proxy/NO_PROXY and
// never proxying loopback hosts. It returns nil for no proxy.
func webProxy(endpoint string, getenv func(string) string) (*url.URL, error) {
	raw := getenv("https_proxy")
	if raw == "" {
		raw = getenv("HTTPS_PROXY")
	}
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("invalid HTTPS_PROXY %q: want http[s]://[user:pass@]host[:port]", raw)
	}
	eu, _ := url.Parse(endpoint)
	host := eu.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil, nil
	}
	noProxy := getenv("no_proxy")
	if noProxy == "" {
		noProxy = getenv("NO_PROXY")
	}
	for _, p := range strings.Split(noProxy, ",") {
		p = strings.TrimPrefix(strings.TrimSpace(strings.ToLower(p)), ".")
		if p == "*" || (p != "" && (host == p || strings.HasSuffix(host, "."+p))) {
			return nil, nil
		}
	}
	return u, nil
}
