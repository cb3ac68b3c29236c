package server

import (
	"errors"
	"fmt"
	"net"

	"github.com/adit-project/adit/internal/audit"
	"github.com/adit-project/adit/internal/notify/broker"
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
