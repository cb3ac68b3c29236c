package cli

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var hostLabel = regexp.MustCompile(`(?i)^((?:[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)\.)*([a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)$`)

// checkEndpoint validates --endpoint-url like botocore's
// is_valid_endpoint_url (IPv6 literals allowed) and returns it without a
// trailing slash; requests go to endpoint + "/".
func checkEndpoint(raw string) (string, error) {
	bad := fmt.Errorf("Invalid endpoint: %s", raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", bad
	}
	host := u.Hostname()
	if !strings.Contains(host, ":") && (len(host) > 255 || !hostLabel.MatchString(host)) {
		return "", bad
	}
	return strings.TrimSuffix(raw, "/"), nil
}
