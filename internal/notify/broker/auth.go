package broker

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/adit-project/adit/internal/notify/devices"
	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// AuthFailure describes one refused MQTT login.
type AuthFailure struct {
	Time       time.Time
	ClientID   string
	Username   string
	RemoteAddr string
	// Method is MethodPassword, MethodCertificate or MethodAnonymous.
	Method string
	// Reason says why, without the secret.
	Reason string
}

// authHook authenticates clients, enforces the topic ACL and keeps track
// of who is connected, so that a revocation can end their sessions.
type authHook struct {
	mqtt.HookBase
	cfg       Config
	log       *slog.Logger
	m         *counters
	passwords *passwordChecker
	devices   atomic.Pointer[devices.Set]
	sessions  *sessionCounter

	mu     sync.Mutex
	online map[*mqtt.Client]*identity
}

func newAuthHook(cfg Config, m *counters, set *devices.Set) *authHook {
	h := &authHook{cfg: cfg, log: cfg.Logger, m: m, passwords: newPasswordChecker(), sessions: newSessionCounter(), online: map[*mqtt.Client]*identity{}}
	h.devices.Store(set)
	return h
}

// ID names the hook.
func (h *authHook) ID() string { return "adit-auth" }

// Provides reports the hook methods implemented.
func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect, mqtt.OnClientExpired}, []byte{b})
}

func (h *authHook) topic(thing string) string { return notifymsg.Topic(h.cfg.Topic, thing) }

// OnConnectAuthenticate admits a client with a valid credential.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	id, fail := h.authenticate(cl, pk)
	if fail == nil && id.role == roleDevice && !h.sessions.admit(cl, id.thing, MaxSessionsPerThing) {
		fail = &authError{method: id.method, reason: fmt.Sprintf("thing %q already holds %d sessions under other client ids", id.thing, MaxSessionsPerThing)}
	}
	if fail != nil {
		h.m.authFailures[methodIndex(fail.method)].Add(1)
		f := AuthFailure{Time: time.Now(), ClientID: cl.ID, Username: string(pk.Connect.Username),
			RemoteAddr: cl.Net.Remote, Method: fail.method, Reason: fail.reason}
		h.log.Warn("mqtt login refused", "client_id", f.ClientID, "username", f.Username,
			"remote", f.RemoteAddr, "method", f.Method, "reason", f.Reason)
		if h.cfg.OnAuthFailure != nil {
			h.cfg.OnAuthFailure(f)
		}
		return false
	}
	h.mu.Lock()
	h.online[cl] = id
	h.mu.Unlock()
	return true
}

// OnDisconnect forgets the client, and its session if that ends too.
func (h *authHook) OnDisconnect(cl *mqtt.Client, _ error, expire bool) {
	h.mu.Lock()
	delete(h.online, cl)
	h.mu.Unlock()
	if expire {
		h.sessions.forget(cl)
	}
}

// OnClientExpired forgets an expired session.
func (h *authHook) OnClientExpired(cl *mqtt.Client) { h.sessions.forget(cl) }

// OnACLCheck refuses publishing (unless AllowClientPublish) and lets a
// device read only its own notify topic: the filter must be that topic
// exactly, since a filter with + or # can always match other topics.
// Shared-username and anonymous clients may read every topic.
func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if write {
		return h.cfg.AllowClientPublish
	}
	h.mu.Lock()
	id := h.online[cl]
	h.mu.Unlock()
	ok := id != nil && (id.role != roleDevice || topic == id.topic)
	if !ok {
		h.m.subscribeRefused.Add(1)
		h.log.Warn("mqtt subscription refused", "client_id", cl.ID, "filter", topic)
	}
	return ok
}

// revalidate returns the connected clients whose credential set no longer
// admits.
func (h *authHook) revalidate(set *devices.Set) []*mqtt.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*mqtt.Client
	for cl, id := range h.online {
		if !id.stillValid(set) {
			out = append(out, cl)
		}
	}
	return out
}
