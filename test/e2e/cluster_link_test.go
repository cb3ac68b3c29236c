package e2e

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/linkmux"
	"github.com/adit-project/adit/internal/wsframe"
)

// TestClusterLinksAreAuthenticated: a node's link endpoint answers 101
// only to an upgrade signed with the cluster secret, and a forwarded
// upgrade is attached only when it arrives over such a link: sent
// directly, even with a correctly signed grant, it is refused and the
// token it carried stays unused.
func TestClusterLinksAreAuthenticated(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	n1 := c.nodes[0].addr
	now := time.Now().UnixMilli()
	hello := linkHello("intruder", now)
	for _, tc := range []struct {
		name string
		sig  string
		want int
	}{
		{"unsigned", "", http.StatusForbidden},
		{"other secret", macOf("not-the-cluster-secret-at-all", "adit-link-v1\n", hello), http.StatusForbidden},
		{"grant signature", macOf(clusterSecret, "adit-forward-v1\n", hello), http.StatusForbidden},
		{"cluster secret", macOf(clusterSecret, "adit-link-v1\n", hello), http.StatusSwitchingProtocols},
	} {
		if resp, _ := linkUpgrade(t, dialNode(t, n1), n1, hello, tc.sig); resp.StatusCode != tc.want {
			t.Errorf("link %s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	tun := c.open(t, n1)
	conn := dialNode(t, n1)
	if got := sourceUpgrade(t, conn, n1, tun.SourceAccessToken, signedGrant(tun.TunnelID, tun.SourceAccessToken)); got != http.StatusForbidden {
		t.Fatalf("signed grant sent directly: status %d, want 403", got)
	}
	if got := upgradeStatus(t, n1, tun.SourceAccessToken); got != http.StatusSwitchingProtocols {
		t.Fatalf("the token after the refused forward: status %d, want 101 (unused)", got)
	}
}

// TestClusterForwardedTokenRotatedAfterClaim: a node that claimed a token
// and forwards its peer over a link is refused by the owner when the token
// was rotated in between (the owner re-checks it), and admitted when it
// was not. The test plays the forwarding node itself: a signed link, then
// signed forwarded upgrades on streams of it.
func TestClusterForwardedTokenRotatedAfterClaim(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	n1 := c.nodes[0].addr
	sess := dialLink(t, n1)

	kept := c.open(t, n1)
	if got := forwardedUpgrade(t, sess, n1, kept.TunnelID, kept.SourceAccessToken); got != http.StatusSwitchingProtocols {
		t.Fatalf("forwarded upgrade with a current token: status %d, want 101", got)
	}
	rotated := c.open(t, n1)
	var rot map[string]any
	c.mustCall(t, n1, "RotateTunnelAccessToken", map[string]any{"tunnelId": rotated.TunnelID, "clientMode": "SOURCE"}, &rot)
	if got := forwardedUpgrade(t, sess, n1, rotated.TunnelID, rotated.SourceAccessToken); got != http.StatusBadRequest {
		t.Fatalf("forwarded upgrade with a token rotated after the claim: status %d, want 400", got)
	}
}

// dialNode connects to a node's listener; the connection closes with the
// test and must be done within 20 s.
func dialNode(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn
}

// linkHello is the signed value of a link upgrade from node at Unix ms.
func linkHello(node string, ms int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"n":%q,"i":%d}`, node, ms))
}

// linkUpgrade sends a link upgrade with hello and sig on conn and returns
// the response and the reader that holds what follows it.
func linkUpgrade(t *testing.T, conn net.Conn, addr, hello, sig string) (*http.Response, *bufio.Reader) {
	t.Helper()
	fmt.Fprintf(conn, "GET /cluster/link HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: adit-link/1\r\nX-Adit-Link: %s\r\nX-Adit-Link-Signature: %s\r\n\r\n", addr, hello, sig)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("link upgrade at %s: %v", addr, err)
	}
	return resp, br
}

// dialLink opens a link to addr as node "e2e-forwarder".
func dialLink(t *testing.T, addr string) *linkmux.Session {
	t.Helper()
	conn := dialNode(t, addr)
	hello := linkHello("e2e-forwarder", time.Now().UnixMilli())
	resp, br := linkUpgrade(t, conn, addr, hello, macOf(clusterSecret, "adit-link-v1\n", hello))
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("link to %s: %s", addr, resp.Status)
	}
	conn.SetDeadline(time.Time{})
	sess := linkmux.Client(conn, br, linkmux.Config{})
	t.Cleanup(func() { sess.Close() })
	return sess
}

// forwardedUpgrade sends a source upgrade for token with a grant signed by
// the cluster secret on a new stream of sess and returns the status.
func forwardedUpgrade(t *testing.T, sess *linkmux.Session, addr, tunnelID, token string) int {
	t.Helper()
	st, err := sess.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(20 * time.Second))
	return sourceUpgrade(t, st, addr, token, signedGrant(tunnelID, token))
}

// signedGrant returns the headers a forwarding node adds to a source
// upgrade for token of tunnelID, signed with the cluster secret.
func signedGrant(tunnelID, token string) http.Header {
	h := sha256.Sum256([]byte(token))
	g, _ := json.Marshal(map[string]any{"t": tunnelID, "m": "source", "c": "192.0.2.1:1", "n": "e2e-forwarder",
		"i": time.Now().UnixMilli(), "h": hex.EncodeToString(h[:])})
	value := base64.RawURLEncoding.EncodeToString(g)
	return http.Header{"X-Adit-Forward-Grant": {value}, "X-Adit-Forward-Signature": {macOf(clusterSecret, "adit-forward-v1\n", value)}}
}

// sourceUpgrade sends one source upgrade with token and extra headers on
// conn and returns the response status.
func sourceUpgrade(t *testing.T, conn net.Conn, addr, token string, extra http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/tunnel?local-proxy-mode=source", addr), nil)
	if extra != nil {
		req.Header = extra.Clone()
	}
	req.Header.Set("access-token", token)
	resp, err := wsframe.Upgrade(conn, bufio.NewReader(conn), req, "aws.iot.securetunneling-3.0")
	if resp == nil {
		t.Fatalf("upgrade at %s: %v", addr, err)
	}
	return resp.StatusCode
}

func macOf(secret, purpose, value string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(purpose + value))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
