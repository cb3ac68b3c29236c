package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/adit-project/adit/internal/audit"
	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/relay"
)

// trust is the server's access control and accounting: the policies the
// API applies and the audit log every component writes to.
type trust struct {
	policies *policies
	audit    *audit.Log // nil when auditing is off
}

// openTrust loads the policy file and opens the audit log.
func (s *Server) openTrust(cfg *Config) error {
	p, err := newPolicies(cfg, s.keys.Keys, s.log.With("component", "policy"))
	if err != nil {
		return err
	}
	s.policies = p
	s.audit, err = audit.Open(audit.Config{Path: cfg.AuditLog, Region: cfg.Region, AccountID: cfg.AccountID,
		Logger: s.log.With("component", "audit")})
	if err != nil {
		return err
	}
	if cfg.AuditLog != "" {
		s.log.Info("audit log open", "path", cfg.AuditLog)
	}
	return nil
}

// Reload re-reads what tunneld reads at run time without dropping any
// connection: the policy file, the audit log file (reopened, for
// logrotate) and the embedded broker's devices file. tunneld calls it on SIGHUP. Each part that fails keeps its
// previous state; the errors are joined.
func (s *Server) Reload() error {
	var errs []error
	if err := s.policies.Reload(); err != nil {
		errs = append(errs, err)
	}
	if err := s.audit.Reopen(); err != nil {
		errs = append(errs, err)
	}
	if err := s.ReloadMQTTDevices(); err != nil {
		errs = append(errs, fmt.Errorf("mqtt devices: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	return nil
}

// recordMQTTAuthFailure writes a refused MQTT login to the audit log.
func (s *Server) recordMQTTAuthFailure(f broker.AuthFailure) {
	s.audit.Record(&audit.Event{
		Time: f.Time, EventSource: audit.SourceMQTT, EventName: audit.NameMQTTAuthFailure,
		EventType: audit.TypeMQTT, SourceIPAddress: hostOf(f.RemoteAddr),
		ErrorCode: "AuthenticationFailed", ErrorMessage: f.Reason,
		RequestParameters: map[string]any{"clientId": f.ClientID, "username": f.Username,
			"authenticationMethod": f.Method, "remoteAddress": f.RemoteAddr},
	})
}

// hostOf is the host part of a host:port address, or addr itself.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// recordRelayEvent writes a data-plane connection event to the audit log.
func (s *Server) recordRelayEvent(e relay.Event) {
	ev := &audit.Event{Time: e.Time, EventSource: audit.SourceDataPlane, EventType: audit.TypeDataPlane,
		SourceIPAddress: hostOf(e.RemoteAddr), UserAgent: e.UserAgent, RequestID: e.ChannelID}
	params := map[string]any{"clientMode": e.Mode, "remoteAddress": e.RemoteAddr}
	if e.TunnelID != "" {
		params["tunnelId"] = e.TunnelID
	}
	if e.Version > 0 {
		params["protocolVersion"] = strconv.Itoa(e.Version) + ".0"
	}
	ev.RequestParameters = params
	switch e.Kind {
	case relay.EventConnect:
		ev.EventName = audit.NameConnect
	case relay.EventReject:
		ev.EventName = audit.NameConnectRejected
		ev.ErrorCode, ev.ErrorMessage = e.Reason, e.Message
		ev.AdditionalEventData = map[string]any{"httpStatus": e.Status}
	case relay.EventDisconnect:
		ev.EventName = audit.NameDisconnect
		ev.AdditionalEventData = map[string]any{"reason": e.Reason, "closeCode": e.CloseCode,
			"durationMs": e.Duration.Milliseconds(), "bytesReceived": e.BytesIn, "bytesSent": e.BytesOut,
			"messagesReceived": e.MessagesIn}
	default:
		return
	}
	s.audit.Record(ev)
}

// relayEvents is the relay's OnEvent hook: nil without an audit log, so
// the relay does no work for events nobody records.
func (s *Server) relayEvents() func(relay.Event) {
	if s.audit == nil {
		return nil
	}
	return s.recordRelayEvent
}
