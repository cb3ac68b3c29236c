package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/tunnel"
)

func signedRequest(secret []byte, g grant) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://node/tunnel?local-proxy-mode=source", nil)
	v, sig := sign(secret, g)
	r.Header.Set(headerGrant, v)
	r.Header.Set(headerSignature, sig)
	return r
}

// TestVerifyGrant: a grant is accepted only when signed with the cluster
// secret, fresh, and issued for the request's own token and mode.
func TestVerifyGrant(t *testing.T) {
	secret := []byte("0123456789abcdef-secret")
	now := time.UnixMilli(1_800_000_000_000)
	tok := tunnel.HashToken("adt1.token")
	good := grant{TunnelID: "t-1", Mode: "source", Services: []string{"SSH"}, ExpiresAt: now.Add(time.Hour).UnixMilli(),
		Client: "192.0.2.7:5000", Node: "node2", Issued: now.UnixMilli(), Token: hex.EncodeToString(tok[:])}
	with := func(f func(*grant)) grant { g := good; f(&g); return g }

	for _, tc := range []struct {
		name   string
		r      *http.Request
		secret []byte
		mode   tunnel.Mode
		want   error
	}{
		{"valid", signedRequest(secret, good), secret, tunnel.ModeSource, nil},
		{"other secret", signedRequest([]byte("another-secret-0123456"), good), secret, tunnel.ModeSource, errBadSignature},
		{"no secret here", signedRequest(secret, good), nil, tunnel.ModeSource, errNoSecret},
		{"stale", signedRequest(secret, with(func(g *grant) { g.Issued = now.Add(-time.Minute).UnixMilli() })), secret, tunnel.ModeSource, errStaleGrant},
		{"future", signedRequest(secret, with(func(g *grant) { g.Issued = now.Add(time.Minute).UnixMilli() })), secret, tunnel.ModeSource, errStaleGrant},
		{"other mode", signedRequest(secret, good), secret, tunnel.ModeDestination, errGrantMisfit},
		{"other token", signedRequest(secret, with(func(g *grant) { g.Token = "00" })), secret, tunnel.ModeSource, errGrantMisfit},
		{"no tunnel", signedRequest(secret, with(func(g *grant) { g.TunnelID = "" })), secret, tunnel.ModeSource, errGrantMisfit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, ok, err := verify(tc.secret, tc.r, tc.mode, tok, now)
			if !ok {
				t.Fatal("a request with grant headers reported as not forwarded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("verify = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				rg := g.relayGrant()
				if rg.TunnelID != "t-1" || len(rg.Services) != 1 || !rg.ExpiresAt.Equal(now.Add(time.Hour)) || g.Client != good.Client {
					t.Fatalf("grant round trip = %+v, client %q", rg, g.Client)
				}
			}
		})
	}

	t.Run("tampered value", func(t *testing.T) {
		r := signedRequest(secret, good)
		_, sig := sign(secret, with(func(g *grant) { g.TunnelID = "t-2" }))
		r.Header.Set(headerSignature, sig) // signature of another grant
		if _, _, err := verify(secret, r, tunnel.ModeSource, tok, now); !errors.Is(err, errBadSignature) {
			t.Fatalf("verify = %v, want %v", err, errBadSignature)
		}
	})
	t.Run("not forwarded", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodGet, "http://node/tunnel", nil)
		if _, ok, err := verify(secret, r, tunnel.ModeSource, tok, now); ok || err != nil {
			t.Fatalf("plain request: ok=%v err=%v", ok, err)
		}
	})
}

// TestForwardedNeedsClientCertWithMutualTLS: with RequireClientCert, a
// correctly signed grant is still refused unless it came over TLS with a
// verified client certificate.
func TestForwardedNeedsClientCertWithMutualTLS(t *testing.T) {
	secret := []byte("0123456789abcdef-secret")
	now := time.Now()
	tok := tunnel.HashToken("adt1.token")
	g := grant{TunnelID: "t-1", Mode: "source", Issued: now.UnixMilli(), Token: hex.EncodeToString(tok[:])}
	n := &Node{cfg: Config{Secret: secret, RequireClientCert: true, Now: func() time.Time { return now }}}
	h := relay.Handoff{Mode: tunnel.ModeSource, Token: tok}

	r := signedRequest(secret, g)
	if _, _, ok, err := n.Forwarded(r, h); !ok || !errors.Is(err, errNoClientCert) {
		t.Fatalf("plain request: ok=%v err=%v, want %v", ok, err, errNoClientCert)
	}
	r.TLS = &tls.ConnectionState{} // TLS, but no verified chain
	if _, _, _, err := n.Forwarded(r, h); !errors.Is(err, errNoClientCert) {
		t.Fatalf("TLS without a client certificate: err=%v, want %v", err, errNoClientCert)
	}
	r.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}
	if rg, _, ok, err := n.Forwarded(r, h); !ok || err != nil || rg.TunnelID != "t-1" {
		t.Fatalf("verified client certificate: grant %+v ok=%v err=%v", rg, ok, err)
	}
}
