package broker

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/adit-project/adit/internal/notify/devices"
)

// role is what an authenticated client may do.
type role int

const (
	roleDevice    role = iota // its own notify topic only
	roleShared                // legacy --mqtt-username: every topic
	roleAnonymous             // --mqtt-allow-anonymous: every topic
)

// identity is an authenticated client.
type identity struct {
	role   role
	thing  string // roleDevice
	method string
	hash   string // password login: the stored hash it matched
	serial string // certificate login: the certificate's serial (hex)
	topic  string // roleDevice: the one topic it may subscribe to
}

// authError is a refused login.
type authError struct{ method, reason string }

func (e *authError) Error() string { return e.method + ": " + e.reason }

func refuse(method, format string, args ...any) (*identity, *authError) {
	return nil, &authError{method: method, reason: fmt.Sprintf(format, args...)}
}

// authenticate decides who the client is. A client certificate, when the
// broker asks for one and the client sends one, is the credential (a
// username, if also sent, must name the same thing); otherwise a username
// is a thing name with its password, or the legacy shared username;
// without either the client is anonymous.
func (h *authHook) authenticate(cl *mqtt.Client, pk packets.Packet) (*identity, *authError) {
	user, pass := string(pk.Connect.Username), pk.Connect.Password
	if certs := peerCertificates(cl); h.cfg.ClientCAs != nil && len(certs) > 0 {
		return h.certLogin(certs, user)
	}
	if user != "" || len(pass) > 0 {
		return h.passwordLogin(user, pass)
	}
	if !h.cfg.AllowAnonymous {
		return refuse(MethodAnonymous, "anonymous access is off (no username and no client certificate)")
	}
	return &identity{role: roleAnonymous, method: MethodAnonymous}, nil
}

func (h *authHook) passwordLogin(user string, pass []byte) (*identity, *authError) {
	d := h.devices.Load().Lookup(user)
	if d == nil {
		if h.cfg.Username != "" && subtle.ConstantTimeCompare([]byte(user), []byte(h.cfg.Username))&
			subtle.ConstantTimeCompare(pass, []byte(h.cfg.Password)) == 1 {
			return &identity{role: roleShared, method: MethodPassword}, nil
		}
		return refuse(MethodPassword, "unknown username or wrong password")
	}
	switch {
	case d.Revoked:
		return refuse(MethodPassword, "thing %q is revoked", d.ThingName)
	case d.PasswordHash == "":
		return refuse(MethodPassword, "thing %q has no password (certificate only)", d.ThingName)
	case !h.passwords.check(d.ThingName, d.PasswordHash, pass):
		return refuse(MethodPassword, "wrong password for thing %q", d.ThingName)
	}
	return h.device(d.ThingName, MethodPassword, d.PasswordHash, ""), nil
}

func (h *authHook) certLogin(certs []*x509.Certificate, user string) (*identity, *authError) {
	thing, serial, err := certThing(certs, h.cfg.ClientCAs)
	if err != nil {
		return refuse(MethodCertificate, "%v", err)
	}
	if user != "" && user != thing {
		return refuse(MethodCertificate, "username %q does not match the certificate's thing %q", user, thing)
	}
	if d := h.devices.Load().Lookup(thing); d != nil && (d.Revoked || d.CertRevoked(serial)) {
		return refuse(MethodCertificate, "thing %q or certificate serial %s is revoked", thing, serial)
	}
	return h.device(thing, MethodCertificate, "", serial), nil
}

func (h *authHook) device(thing, method, hash, serial string) *identity {
	return &identity{role: roleDevice, thing: thing, method: method, hash: hash, serial: serial, topic: h.topic(thing)}
}

// stillValid reports whether id's credential is still in force in s.
func (id *identity) stillValid(s *devices.Set) bool {
	if id.role != roleDevice {
		return true
	}
	d := s.Lookup(id.thing)
	if id.method == MethodCertificate {
		return d == nil || !(d.Revoked || d.CertRevoked(id.serial))
	}
	return d != nil && !d.Revoked && d.PasswordHash == id.hash
}

// peerCertificates returns the client's TLS certificates, if any.
func peerCertificates(cl *mqtt.Client) []*x509.Certificate {
	if tc, ok := cl.Net.Conn.(*tls.Conn); ok {
		return tc.ConnectionState().PeerCertificates
	}
	return nil
}

// certThing verifies the chain against roots for client authentication
// and returns the thing it names. The Subject CN and the DNS SANs must all
// name the same thing (a certificate naming two is refused as ambiguous).
func certThing(certs []*x509.Certificate, roots *x509.CertPool) (thing, serial string, err error) {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return "", "", fmt.Errorf("certificate not accepted: %w", err)
	}
	names := map[string]bool{}
	if leaf.Subject.CommonName != "" {
		names[leaf.Subject.CommonName] = true
	}
	for _, n := range leaf.DNSNames {
		names[n] = true
	}
	if len(names) != 1 {
		return "", "", errors.New("certificate must name exactly one thing (Subject CN and DNS SANs agree)")
	}
	for n := range names {
		thing = n
	}
	if !devices.ValidThingName(thing) {
		return "", "", fmt.Errorf("certificate names %q, not a valid thing name", thing)
	}
	serial, _ = devices.NormalizeSerial(leaf.SerialNumber.Text(16))
	return thing, serial, nil
}
