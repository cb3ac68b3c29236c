package localproxy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/adit-project/adit/internal/tunnel"
)

// resolved is one tunnel service bound to a local endpoint.
type resolved struct {
	id      string // tunnel service id ("" for a tunnel without services)
	wireID  string // serviceId a source sends ("" in V1 format)
	network string // "tcp" or "unix"
	addr    string // source: listen address; destination: dial target
}

// resolve maps the tunnel's service ids to endpoints. The first call fixes
// the mapping for the whole run (and binds a source's listeners); later
// sessions must announce the same services.
func (e *engine) resolve(ctx context.Context, ids []string) ([]resolved, error) {
	e.mu.Lock()
	prev, done := e.resolved, e.resolvedOK
	e.mu.Unlock()
	if done {
		if !slices.Equal(sorted(ids), sorted(resolvedIDs(prev))) {
			return nil, &ServiceMismatchError{Tunnel: ids, Detail: "the tunnel's service ids changed since the first connection"}
		}
		return prev, nil
	}
	res, err := e.mapServices(ids)
	if err != nil {
		return nil, err
	}
	if e.cfg.Mode == tunnel.ModeSource {
		if err := e.listen(ctx, res); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	e.resolved, e.resolvedOK = res, true
	e.mu.Unlock()
	return res, nil
}

func resolvedIDs(rs []resolved) []string {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.id != "" {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// mapServices applies the rules of docs/PROTOCOL.md §4.4 and §4.5.
func (e *engine) mapServices(ids []string) ([]resolved, error) {
	cfg := &e.cfg
	source := cfg.Mode == tunnel.ModeSource
	v1 := source && cfg.version() == 1
	mismatch := func(format string, args ...any) error {
		return &ServiceMismatchError{Tunnel: ids, Detail: fmt.Sprintf(format, args...)}
	}
	if v1 && len(ids) > 1 {
		return nil, mismatch("protocol V1 serves a tunnel with at most one service")
	}
	one := func(id, addr string) resolved {
		wireID := id
		if v1 {
			wireID = ""
		}
		// Addresses were validated by Config.validate.
		network, a, _ := endpointAddr(addr, cfg.Mode, cfg.BindAddress, true)
		return resolved{id: id, wireID: wireID, network: network, addr: a}
	}
	switch {
	case len(cfg.Services) == 1 && cfg.Services[0].ID == "":
		if len(ids) > 1 {
			return nil, mismatch("a mapping without a service id needs a tunnel with at most one service")
		}
		id := ""
		if len(ids) == 1 {
			id = ids[0]
		}
		return []resolved{one(id, cfg.Services[0].Addr)}, nil
	case len(cfg.Services) > 0:
		return e.mapExplicit(ids, one, mismatch)
	}
	all := ids
	if len(all) == 0 {
		all = []string{""}
	}
	res := make([]resolved, 0, len(all))
	for _, id := range all {
		i := slices.IndexFunc(cfg.FallbackServices, func(s Service) bool { return s.ID == id })
		switch {
		case i >= 0:
			res = append(res, one(id, cfg.FallbackServices[i].Addr))
		case source:
			res = append(res, one(id, "0"))
		default:
			return nil, mismatch("no port mapping exists for service id %q", id)
		}
	}
	return res, nil
}

// mapExplicit maps the ids with the user's named mappings: a source needs
// exactly the tunnel's set, a destination at least a mapping for each.
func (e *engine) mapExplicit(ids []string, one func(id, addr string) resolved, mismatch func(string, ...any) error) ([]resolved, error) {
	var missing, extra []string
	byID := make(map[string]string, len(e.cfg.Services))
	for _, s := range e.cfg.Services {
		byID[s.ID] = s.Addr
		if !slices.Contains(ids, s.ID) {
			extra = append(extra, s.ID)
		}
	}
	res := make([]resolved, 0, len(ids))
	for _, id := range ids {
		addr, ok := byID[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		res = append(res, one(id, addr))
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "no port mapping for service id(s) "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 && e.cfg.Mode == tunnel.ModeSource {
		problems = append(problems, "service id(s) "+strings.Join(extra, ", ")+" are not in the tunnel")
	}
	switch {
	case len(ids) == 0:
		return nil, mismatch("the tunnel has no services; give one mapping without a service id (e.g. -s 5555)")
	case len(problems) > 0:
		return nil, mismatch("%s", strings.Join(problems, "; "))
	case len(extra) > 0:
		e.log.Warn("ignoring mappings for services the tunnel does not have", "service_ids", extra)
	}
	return res, nil
}
