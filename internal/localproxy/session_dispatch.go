package localproxy

import (
	"context"
	"fmt"
	"slices"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// dispatcher runs on the session's reader goroutine: it decodes the tunnel
// messages msgReader cuts from the WebSocket and acts on each (SERVICE_IDS
// here, stream and connection messages in session_streams.go).
type dispatcher struct {
	ready bool // SERVICE_IDS accepted
}

// loop reads until the WebSocket fails or a fatal message arrives.
func (d *dispatcher) loop(ctx context.Context, s *session) error {
	if wire.Version(s.wc.subprotocol) == 1 {
		// No SERVICE_IDS on a 1.0 socket (docs/PROTOCOL.md D4).
		if err := d.serviceIDs(s, nil); err != nil {
			return err
		}
	}
	fr := newMsgReader(s.wc.Conn, s.wc.early, s.wsHandler())
	var m wire.Message
	for {
		b, err := fr.next()
		if err != nil {
			return err
		}
		if err := m.Unmarshal(b); err != nil {
			return &ProtocolError{Detail: "malformed message", Err: err}
		}
		if err := d.handle(ctx, s, &m); err != nil {
			return err
		}
	}
}

// handle dispatches one message.
func (d *dispatcher) handle(ctx context.Context, s *session, m *wire.Message) error {
	if m.Type == wire.TypeServiceIDs {
		return d.serviceIDs(s, m.AvailableServiceIDs)
	}
	if !d.ready {
		if m.Type == wire.TypeStreamStart || m.Type == wire.TypeConnectionStart {
			return &ProtocolError{Detail: m.Type.String() + " before SERVICE_IDS"}
		}
		s.log.Debug("dropping message received before SERVICE_IDS", "type", m.Type)
		return nil
	}
	if s.log.Enabled(ctx, LevelTrace) {
		s.log.Log(ctx, LevelTrace, "message", "type", m.Type, "service_id", m.ServiceID,
			"stream_id", m.StreamID, "connection_id", m.ConnectionID, "bytes", len(m.Payload))
	}
	dest := s.cfg.Mode == tunnel.ModeDestination
	switch m.Type {
	case wire.TypeData:
		s.onData(ctx, m)
	case wire.TypeStreamStart:
		if dest {
			return s.onStreamStart(m)
		}
		s.log.Warn("ignoring STREAM_START sent to a source", "service_id", m.ServiceID, "stream_id", m.StreamID)
	case wire.TypeConnectionStart:
		if dest {
			s.onConnectionStart(m)
		} else {
			s.onConnectionReset(m) // docs/PROTOCOL.md §3.6: a source closes that connection
		}
	case wire.TypeStreamReset:
		s.onStreamReset(m)
	case wire.TypeConnectionReset:
		s.onConnectionReset(m)
	case wire.TypeSessionReset:
		s.log.Info("session reset by the service")
		s.resetAll()
	default:
		s.log.Warn("ignoring message of unknown type", "type", m.Type, "ignorable", m.Ignorable)
	}
	return nil
}

// serviceIDs accepts the tunnel's service list: the first time it resolves
// the mapping (a fatal error if it does not fit) and makes the session
// ready; a repeated list must be the same.
func (d *dispatcher) serviceIDs(s *session, ids []string) error {
	ids = dedupe(s, ids)
	if len(ids) > maxServices {
		return &ServiceMismatchError{Tunnel: ids[:maxServices], Detail: fmt.Sprintf("the tunnel announces %d services; at most %d are supported", len(ids), maxServices)}
	}
	if d.ready {
		s.mu.Lock()
		same := slices.Equal(sorted(ids), sorted(s.ids))
		s.mu.Unlock()
		if !same {
			return &ServiceMismatchError{Tunnel: ids, Detail: "the service ids changed during the session"}
		}
		return nil
	}
	res, err := s.e.resolve(s.ctx, ids)
	if err != nil {
		return err
	}
	services := make(map[string]*svcState, len(res))
	for _, rs := range res {
		services[rs.id] = &svcState{id: rs.id, wireID: rs.wireID, network: rs.network,
			addr: rs.addr, conns: make(map[uint32]*lconn)}
	}
	s.mu.Lock()
	s.services, s.ids = services, ids
	s.mu.Unlock()
	d.ready = true
	s.e.setCurrent(s)
	s.log.Info("connected to the tunnel", "services", ids, "subprotocol", s.wc.subprotocol)
	if s.cfg.OnConnected != nil {
		s.cfg.OnConnected(slices.Clone(ids))
	}
	return nil
}

// maxServices bounds the services a tunnel may announce (AWS allows 3 by
// default): a source binds a port for each.
const maxServices = 128

// dedupe drops empty and repeated service ids with a warning.
func dedupe(s *session, ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			s.log.Warn("ignoring empty or duplicate service id in SERVICE_IDS", "service_id", id)
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

func sorted(ids []string) []string {
	return slices.Sorted(slices.Values(ids))
}
