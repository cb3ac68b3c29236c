package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// request is a validated notification.
type request struct {
	token    string
	services []string             // sorted
	mapping  []localproxy.Service // the local endpoint of each service
	key      string               // identifies the tunnel's session
}

// regionRE is what a region looks like (tunneld checks its --region the
// same way). The agent does not use the region; a malformed one marks a
// payload no tunneld sent.
var regionRE = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// parse decodes and validates a notification against the service map:
// clientMode destination, a token, at least one service, each a valid
// service id named once and by the map, and a well-formed region if any.
// Errors never contain the token.
func parse(payload []byte, services []localproxy.Service) (request, error) {
	var m notifymsg.Message
	if err := json.Unmarshal(payload, &m); err != nil {
		return request{}, errors.New("bad JSON")
	}
	switch {
	case m.ClientMode != notifymsg.ClientModeDestination:
		return request{}, fmt.Errorf("clientMode %q is not destination", m.ClientMode)
	case m.ClientAccessToken == "":
		return request{}, errors.New("missing clientAccessToken")
	case len(m.Services) == 0:
		return request{}, errors.New("missing services")
	case m.Region != "" && !regionRE.MatchString(m.Region):
		return request{}, fmt.Errorf("invalid region %.64q", m.Region)
	}
	for _, s := range m.Services {
		if !localproxy.ValidServiceID(s) {
			return request{}, fmt.Errorf("invalid service id %.64q", s)
		}
	}
	svcs := slices.Clone(m.Services)
	slices.Sort(svcs)
	if len(slices.Compact(slices.Clone(svcs))) != len(svcs) {
		return request{}, errors.New("duplicate services")
	}
	mapping, err := mapServices(svcs, services)
	if err != nil {
		return request{}, err
	}
	return request{token: m.ClientAccessToken, services: svcs, mapping: mapping, key: strings.Join(svcs, ",")}, nil
}

// mapServices returns the mapping of each tunnel service, refusing any
// service the map does not name.
func mapServices(svcs []string, services []localproxy.Service) ([]localproxy.Service, error) {
	if len(services) == 1 && services[0].ID == "" {
		if len(svcs) != 1 {
			return nil, fmt.Errorf("the single-port service map serves one service, tunnel has %d", len(svcs))
		}
		return services, nil
	}
	out := make([]localproxy.Service, 0, len(svcs))
	var unknown []string
	for _, id := range svcs {
		i := slices.IndexFunc(services, func(s localproxy.Service) bool { return s.ID == id })
		if i < 0 {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, services[i])
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("services not in the service map: %s", strings.Join(unknown, ","))
	}
	return out, nil
}

// seenSet remembers the hashes of the last n tokens handled.
type seenSet struct {
	n     int
	order [][32]byte
	set   map[[32]byte]bool
}

func newSeenSet(n int) *seenSet { return &seenSet{n: n, set: make(map[[32]byte]bool)} }

// add records h and reports whether it was new.
func (s *seenSet) add(h [32]byte) bool {
	if s.set[h] {
		return false
	}
	if len(s.order) == s.n {
		delete(s.set, s.order[0])
		s.order = s.order[1:]
	}
	s.order = append(s.order, h)
	s.set[h] = true
	return true
}
