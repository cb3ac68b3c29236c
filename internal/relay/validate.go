package relay

import (
	"fmt"
	"maps"
	"slices"

	"github.com/adit-project/adit/internal/wire"
)

// checkVersion applies the rules of the subprotocol a peer negotiated
// (docs/PROTOCOL.md §3.8): a 1.0 peer knows fields 1–4 only, a 2.0 peer adds
// serviceId, and connection ids with CONNECTION_START/RESET need 3.0.
func checkVersion(m *wire.Message, version int) error {
	if version >= 3 {
		return nil
	}
	switch {
	case m.Type == wire.TypeConnectionStart || m.Type == wire.TypeConnectionReset:
		return violation(wire.RuleUnexpectedField, "%s needs protocol version 3, peer speaks %d", m.Type, version)
	case m.ConnectionID != 0:
		return violation(wire.RuleUnexpectedField, "connectionId needs protocol version 3, peer speaks %d", version)
	case version == 1 && m.ServiceID != "":
		return violation(wire.RuleUnexpectedField, "serviceId needs protocol version 2, peer speaks 1")
	}
	return nil
}

func violation(r wire.Rule, format string, args ...any) *wire.RuleError {
	return &wire.RuleError{Rule: r, Detail: fmt.Sprintf(format, args...)}
}

// streamState is what the relay knows about one service's streams.
type streamState struct {
	current int32 // active stream id; 0 when none is active
	connIDs bool  // the active stream was started with a connection id
}

// sessionFormat is fixed by the first STREAM_START of a source's
// WebSocket session: a session never mixes messages with and without a
// service id, or with and without a connection id (docs/PROTOCOL.md §3.8).
type sessionFormat struct {
	set         bool
	withService bool
	withConnID  bool
}

// streamTable enforces the stateful rules of docs/PROTOCOL.md §3.6 and §3.8 for
// one tunnel and tracks service id → active stream id, so the relay can
// reset those streams when a peer goes away (D2, D6). Its size is bounded
// by the tunnel's services plus the empty (V1) service id. Guarded by the
// tunnel's mu.
type streamTable struct {
	services []string
	streams  map[string]*streamState // services that ever had a STREAM_START
}

// apply checks m, sent by a peer whose source-session format is f, and
// records its effect. A STREAM_START becomes the service's active stream
// only when the other peer is present (otherwise the relay refuses it,
// D5), but it always counts as started for later messages.
func (st *streamTable) apply(m *wire.Message, f *sessionFormat, otherPresent bool) error {
	switch m.Type {
	case wire.TypeStreamStart:
		return st.start(m, f, otherPresent)
	case wire.TypeData, wire.TypeStreamReset, wire.TypeConnectionStart, wire.TypeConnectionReset:
		return st.use(m)
	}
	return nil
}

func (st *streamTable) start(m *wire.Message, f *sessionFormat, otherPresent bool) error {
	svc := m.ServiceID
	if svc != "" && !slices.Contains(st.services, svc) {
		return violation(wire.RuleUnknownService, "STREAM_START for service %q, not a service of this tunnel", svc)
	}
	withService, withConnID := svc != "", m.ConnectionID != 0
	if f.set && f.withService != withService {
		return violation(wire.RuleMixedServiceIDs, "STREAM_START with and without service id in one session")
	}
	if f.set && f.withConnID != withConnID {
		return violation(wire.RuleMixedConnectionIDs, "STREAM_START with and without connection id in one session")
	}
	*f = sessionFormat{set: true, withService: withService, withConnID: withConnID}
	if st.streams == nil {
		st.streams = make(map[string]*streamState, len(st.services)+1)
	}
	s := st.streams[svc]
	if s == nil {
		s = &streamState{}
		st.streams[svc] = s
	}
	if otherPresent {
		s.current, s.connIDs = m.StreamID, withConnID
	}
	return nil
}

// use checks a message on an existing stream. Messages for a stream that
// is not the active one are stale (the receiver drops them) and pass.
func (st *streamTable) use(m *wire.Message) error {
	s := st.streams[m.ServiceID]
	if s == nil {
		return st.notStarted(m)
	}
	if m.StreamID != s.current {
		return nil
	}
	isConnType := m.Type == wire.TypeConnectionStart || m.Type == wire.TypeConnectionReset
	switch {
	case s.connIDs && m.ConnectionID == 0 && m.Type != wire.TypeStreamReset:
		return violation(wire.RuleMixedConnectionIDs, "%s without connection id on stream %d started with one", m.Type, m.StreamID)
	case !s.connIDs && (m.ConnectionID != 0 || isConnType):
		return violation(wire.RuleMixedConnectionIDs, "%s with connection id on stream %d started without one", m.Type, m.StreamID)
	}
	if m.Type == wire.TypeStreamReset {
		s.current = 0
	}
	return nil
}

// notStarted names the rule a message for a never-started service breaks:
// mixing service-id formats when the other format has streams, else
// service_not_started.
func (st *streamTable) notStarted(m *wire.Message) error {
	_, withoutStarted := st.streams[""]
	withStarted := len(st.streams) > boolInt(withoutStarted)
	if m.ServiceID != "" && withoutStarted {
		return violation(wire.RuleMixedServiceIDs, "%s with service id %q on a tunnel whose streams have none", m.Type, m.ServiceID)
	}
	if m.ServiceID == "" && withStarted {
		return violation(wire.RuleMixedServiceIDs, "%s without service id on a tunnel whose streams have one", m.Type)
	}
	return violation(wire.RuleServiceNotStarted, "%s for service %q that had no STREAM_START", m.Type, m.ServiceID)
}

// takeActive returns a STREAM_RESET frame for every active stream, in
// service order, and marks them inactive.
func (st *streamTable) takeActive() [][]byte {
	var out [][]byte
	for _, svc := range slices.Sorted(maps.Keys(st.streams)) {
		s := st.streams[svc]
		if s.current == 0 {
			continue
		}
		m := wire.Message{Type: wire.TypeStreamReset, StreamID: s.current, ServiceID: svc}
		f, _ := wire.AppendFrame(nil, &m)
		out = append(out, f)
		s.current = 0
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
