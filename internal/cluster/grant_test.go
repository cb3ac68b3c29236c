package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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

// TestForwardedOnlyOverALink: a correctly signed grant is refused unless
// the upgrade came over a link from another node.
func TestForwardedOnlyOverALink(t *testing.T) {
	secret := []byte("0123456789abcdef-secret")
	now := time.Now()
	tok := tunnel.HashToken("adt1.token")
	g := grant{TunnelID: "t-1", Mode: "source", Issued: now.UnixMilli(), Token: hex.EncodeToString(tok[:])}
	n := &Node{cfg: Config{Secret: secret, Now: func() time.Time { return now }}}
	h := relay.Handoff{Mode: tunnel.ModeSource, Token: tok}

	r := signedRequest(secret, g)
	if _, _, ok, err := n.Forwarded(r, h); !ok || !errors.Is(err, errNotViaLink) {
		t.Fatalf("direct request: ok=%v err=%v, want %v", ok, err, errNotViaLink)
	}
	r = r.WithContext(context.WithValue(r.Context(), viaLinkKey{}, "node2"))
	if rg, _, ok, err := n.Forwarded(r, h); !ok || err != nil || rg.TunnelID != "t-1" {
		t.Fatalf("over a link: grant %+v ok=%v err=%v", rg, ok, err)
	}
}

// TestCheckLink: a link is accepted only with the cluster secret's
// signature over a fresh hello, and with --cluster-ca only over TLS with a
// verified client certificate.
func TestCheckLink(t *testing.T) {
	secret := []byte("0123456789abcdef-secret")
	now := time.UnixMilli(1_800_000_000_000)
	hello := func(h linkHello, key []byte, purpose string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://node"+LinkPath, nil)
		b, _ := json.Marshal(h)
		v := base64.RawURLEncoding.EncodeToString(b)
		r.Header.Set(headerLink, v)
		r.Header.Set(headerLinkSignature, mac(key, purpose, v))
		return r
	}
	good := linkHello{Node: "node2", Issued: now.UnixMilli()}
	n := &Node{cfg: Config{Secret: secret, Now: func() time.Time { return now }}}
	if from, err := n.checkLink(hello(good, secret, purposeLink)); err != nil || from != "node2" {
		t.Fatalf("good link: from %q err %v", from, err)
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		want error
	}{
		{"other secret", hello(good, []byte("another-secret-0123456789"), purposeLink), errLinkUnsigned},
		{"grant signature reused", hello(good, secret, purposeForward), errLinkUnsigned},
		{"no node", hello(linkHello{Issued: now.UnixMilli()}, secret, purposeLink), errLinkUnsigned},
		{"stale", hello(linkHello{Node: "node2", Issued: now.Add(-time.Minute).UnixMilli()}, secret, purposeLink), errLinkStale},
		{"future", hello(linkHello{Node: "node2", Issued: now.Add(time.Minute).UnixMilli()}, secret, purposeLink), errLinkStale},
	} {
		if _, err := n.checkLink(tc.r); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := (&Node{cfg: Config{Now: time.Now}}).checkLink(hello(good, secret, purposeLink)); !errors.Is(err, errNoSecret) {
		t.Errorf("node without a secret: err %v, want %v", err, errNoSecret)
	}

	n.cfg.RequireClientCert = true
	r := hello(good, secret, purposeLink)
	if _, err := n.checkLink(r); !errors.Is(err, errLinkNoCert) {
		t.Fatalf("plain link with --cluster-ca: err=%v, want %v", err, errLinkNoCert)
	}
	r.TLS = &tls.ConnectionState{} // TLS, but no verified chain
	if _, err := n.checkLink(r); !errors.Is(err, errLinkNoCert) {
		t.Fatalf("TLS without a client certificate: err=%v, want %v", err, errLinkNoCert)
	}
	r.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}
	if _, err := n.checkLink(r); err != nil {
		t.Fatalf("verified client certificate: %v", err)
	}
}
