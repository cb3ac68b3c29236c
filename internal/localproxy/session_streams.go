package localproxy

import (
	"context"
	"net"

	"github.com/adit-project/adit/internal/wire"
)

// onData delivers a DATA payload; stale messages (unknown service, old
// stream, unknown connection) are dropped.
func (s *session) onData(ctx context.Context, m *wire.Message) {
	s.mu.Lock()
	_, c := s.conn(m)
	s.mu.Unlock()
	if c == nil {
		s.log.Debug("dropping stale DATA", "service_id", m.ServiceID, "stream_id", m.StreamID, "connection_id", m.ConnectionID)
		return
	}
	if len(m.Payload) > 0 {
		c.deliver(ctx, m.Payload)
	}
}

// onStreamReset ends every connection of the stream.
func (s *session) onStreamReset(m *wire.Message) {
	s.mu.Lock()
	svc := s.service(m.ServiceID)
	if svc == nil || svc.streamID != m.StreamID {
		s.mu.Unlock()
		s.log.Debug("ignoring stale STREAM_RESET", "service_id", m.ServiceID, "stream_id", m.StreamID)
		return
	}
	conns := takeConns(svc)
	svc.streamID = 0
	s.mu.Unlock()
	for _, c := range conns {
		c.endPeer()
	}
}

// onConnectionReset ends one connection.
func (s *session) onConnectionReset(m *wire.Message) {
	s.mu.Lock()
	_, c := s.conn(m)
	if c != nil {
		delete(c.svc.conns, c.key)
	}
	s.mu.Unlock()
	if c != nil {
		c.endPeer()
	}
}

// resetAll ends every connection of every service (SESSION_RESET).
func (s *session) resetAll() {
	var conns []*lconn
	s.mu.Lock()
	for _, svc := range s.services {
		conns = append(conns, takeConns(svc)...)
		svc.streamID = 0
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.endPeer()
	}
}

// takeConns removes and returns all connections of svc; the caller holds
// s.mu.
func takeConns(svc *svcState) []*lconn {
	conns := make([]*lconn, 0, len(svc.conns))
	for k, c := range svc.conns {
		conns = append(conns, c)
		delete(svc.conns, k)
	}
	return conns
}

// onStreamStart (destination) replaces the service's stream and dials the
// first connection. A service the tunnel does not have is a protocol error.
func (s *session) onStreamStart(m *wire.Message) error {
	s.mu.Lock()
	svc := s.service(m.ServiceID)
	if svc == nil {
		s.mu.Unlock()
		return &ProtocolError{Detail: "STREAM_START for unknown service id " + quote(m.ServiceID)}
	}
	old := takeConns(svc)
	svc.streamID, svc.startConn = m.StreamID, m.ConnectionID
	c := s.newConnLocked(svc, m.ConnectionID, m, func() {})
	s.mu.Unlock()
	for _, o := range old {
		o.endPeer()
	}
	c.log.Debug("stream start")
	go c.serve(s.e.dialer(svc))
	return nil
}

// onConnectionStart (destination) dials one more connection of the current
// stream. A duplicate id resets both; beyond the cap the new one is reset.
func (s *session) onConnectionStart(m *wire.Message) {
	s.mu.Lock()
	svc := s.service(m.ServiceID)
	switch {
	case svc == nil:
		s.mu.Unlock()
		s.log.Warn("CONNECTION_START for unknown service id", "service_id", m.ServiceID)
		s.sendReset(m)
		return
	case svc.streamID == 0:
		svc.streamID, svc.startConn = m.StreamID, m.ConnectionID
	case svc.streamID != m.StreamID:
		s.mu.Unlock()
		s.log.Debug("ignoring CONNECTION_START for an old stream", "service_id", m.ServiceID, "stream_id", m.StreamID)
		return
	}
	if dup := svc.conns[m.ConnectionID]; dup != nil || len(svc.conns) >= s.cfg.MaxConnsPerService {
		if dup != nil {
			delete(svc.conns, dup.key)
		}
		s.mu.Unlock()
		if dup != nil {
			s.log.Warn("duplicate connection id; resetting it", "service_id", svc.id, "connection_id", m.ConnectionID)
			dup.endPeer()
		} else {
			s.log.Warn("too many connections; resetting the new one", "service_id", svc.id, "limit", s.cfg.MaxConnsPerService)
		}
		s.sendReset(m)
		return
	}
	c := s.newConnLocked(svc, m.ConnectionID, m, func() {})
	s.mu.Unlock()
	c.log.Debug("connection start")
	go c.serve(s.e.dialer(svc))
}

// sendReset answers a start message with the matching reset.
func (s *session) sendReset(m *wire.Message) {
	r := wire.Message{Type: wire.TypeConnectionReset, StreamID: m.StreamID, ServiceID: m.ServiceID, ConnectionID: m.ConnectionID}
	if m.ConnectionID == 0 {
		r.Type = wire.TypeStreamReset
	}
	s.send(&r)
}

// startSourceConn opens a stream or connection for a socket a source
// listener accepted. It returns false if the session cannot take it.
func (s *session) startSourceConn(serviceID string, nc net.Conn, done func()) bool {
	s.mu.Lock()
	svc := s.services[serviceID]
	if s.closing || svc == nil {
		s.mu.Unlock()
		return false
	}
	m := wire.Message{Type: wire.TypeStreamStart, ServiceID: svc.wireID}
	if s.cfg.version() == 3 {
		svc.connSeq++
		if svc.connSeq == 0 {
			svc.connSeq = 1
		}
		m.ConnectionID = svc.connSeq
		if svc.streamID != 0 {
			m.Type = wire.TypeConnectionStart
		} else {
			svc.streamID, svc.startConn = s.e.nextStream(svc.id), m.ConnectionID
		}
	} else {
		svc.streamID = s.e.nextStream(svc.id)
	}
	m.StreamID = svc.streamID
	c := s.newConnLocked(svc, m.ConnectionID, &m, done)
	c.setConn(nc)
	s.sched.push(c.out, controlFrame(&m))
	s.mu.Unlock()
	s.flush() // on the accept goroutine: the start goes out at once
	c.log.Debug("accepted connection", "remote_addr", nc.RemoteAddr(), "type", m.Type)
	go c.serve(nil)
	return true
}
