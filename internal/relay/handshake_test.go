package relay

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

const (
	textTokenUsed      = "Invalid access token: The access token was previously used and can not be used again."
	textClientMismatch = "Invalid client token: The provided client token does not match the client token that was previously set."
	clientTokenA       = "0123456789abcdef0123456789abcdef-A"
	clientTokenB       = "0123456789abcdef0123456789abcdef-B"
)

// checkRejected checks a D1 rejection: status, plain-text body repeated in
// X-Status-Reason, and a channel-id header.
func checkRejected(t *testing.T, c *client, resp *http.Response, status int, reason string) {
	t.Helper()
	if c != nil {
		t.Fatalf("upgrade succeeded, want %d %q", status, reason)
	}
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d", resp.StatusCode, status)
	}
	if got := resp.Header.Get("X-Status-Reason"); got != reason {
		t.Errorf("X-Status-Reason = %q, want %q", got, reason)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if len(resp.Header.Get("channel-id")) != 60 {
		t.Errorf("channel-id = %q, want a 60-character id", resp.Header.Get("channel-id"))
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != reason {
		t.Errorf("body = %q, want %q", body, reason)
	}
}

func TestHandshakeAccepts(t *testing.T) {
	e := newEnv(t, Config{})
	_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})

	// The first supported subprotocol in the client's order wins and is
	// echoed verbatim, the misspelt 1.0 alias included (D3); 1.0 peers get
	// no SERVICE_IDS (D4).
	dst, resp := e.dial("destination", dt, dialOpts{subprotocols: []string{"chat", wire.Subprotocol1Alias, wire.Subprotocol3}})
	if dst == nil {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != wire.Subprotocol1Alias {
		t.Errorf("subprotocol = %q, want %q", got, wire.Subprotocol1Alias)
	}
	if len(resp.Header.Get("channel-id")) != 60 {
		t.Errorf("channel-id = %q", resp.Header.Get("channel-id"))
	}
	// A 2.0 source, token from the cookie, gets SERVICE_IDS first.
	src, resp := e.dial("source", st, dialOpts{cookie: true, subprotocols: []string{wire.Subprotocol2, wire.Subprotocol3}})
	if src == nil {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != wire.Subprotocol2 {
		t.Errorf("subprotocol = %q, want %q", got, wire.Subprotocol2)
	}
	src.expectServiceIDs("SSH")
	// The 1.0 destination's first message is the relayed one.
	m := wire.Message{Type: wire.TypeStreamStart, StreamID: 1}
	src.send(m)
	dst.expectMsg(m)
}

func TestServiceIDsEmptyList(t *testing.T) {
	e := newEnv(t, Config{})
	_, st, _ := e.auth.open(nil, time.Time{})
	src := e.mustDial("source", st, dialOpts{})
	_, raw := src.recvRaw()
	if string(raw) != "\x00\x02\x08\x05" {
		t.Errorf("SERVICE_IDS = %x, want 00020805", raw)
	}
}

func TestHandshakeRejects(t *testing.T) {
	e := newEnv(t, Config{})
	_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})
	big := "X-Pad: " + strings.Repeat("a", 4096)
	cases := []struct {
		name   string
		mode   string
		token  string
		o      dialOpts
		status int
		reason string
	}{
		{"bad_path", "source", st, dialOpts{path: "/tunnels?local-proxy-mode=source"}, 400, rejBadPath.reason},
		{"no_mode", "source", st, dialOpts{path: "/tunnel"}, 400, rejBadMode.reason},
		{"bad_mode", "source", st, dialOpts{path: "/tunnel?local-proxy-mode=both"}, 400, rejBadMode.reason},
		{"two_modes", "source", st, dialOpts{path: "/tunnel?local-proxy-mode=source&local-proxy-mode=source"}, 400, rejBadMode.reason},
		{"no_token", "source", "", dialOpts{}, 400, rejNoToken.reason},
		{"header_and_cookie", "source", st, dialOpts{extra: []string{"Cookie: awsiot-tunnel-token=" + st}}, 400, rejManyTokens.reason},
		{"two_headers", "source", st, dialOpts{extra: []string{"access-token: " + st}}, 400, rejManyTokens.reason},
		{"two_cookies", "source", st, dialOpts{cookie: true, extra: []string{"Cookie: awsiot-tunnel-token=" + st}}, 400, rejManyTokens.reason},
		{"control_char_token", "source", "abc\tdef", dialOpts{}, 400, rejBadToken.reason},
		{"short_client_token", "source", st, dialOpts{clientToken: "abc"}, 400, rejBadClientToken.reason},
		{"bad_client_token", "source", st, dialOpts{clientToken: strings.Repeat("_", 40)}, 400, rejBadClientToken.reason},
		{"two_client_tokens", "source", st, dialOpts{clientToken: clientTokenA, extra: []string{"client-token: " + clientTokenA}}, 400, rejBadClientToken.reason},
		{"no_subprotocol", "source", st, dialOpts{subprotocols: []string{}}, 400, rejNoSubprotocol.reason},
		{"unsupported_subprotocol", "source", st, dialOpts{subprotocols: []string{"aws.iot.securetunneling-4.0"}}, 400, rejNoSubprotocol.reason},
		{"not_websocket", "source", st, dialOpts{noUpgrade: true}, 400, rejNotWebSocket.reason},
		{"too_large", "source", st, dialOpts{extra: []string{big}}, 431, rejTooLarge.reason},
		{"unknown_token", "source", "adt1.nope", dialOpts{}, 400, "Invalid access token"},
		{"mode_mismatch", "destination", st, dialOpts{}, 400, "Invalid access token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, resp := e.dial(c.mode, c.token, c.o)
			checkRejected(t, cl, resp, c.status, c.reason)
		})
	}
	if n := e.auth.claimCount(); n != 2 {
		t.Errorf("Claim called %d times, want 2 (only for well-formed requests)", n)
	}
	// Neither token was consumed.
	e.mustDial("source", st, dialOpts{}).expectServiceIDs("SSH")
	e.mustDial("destination", dt, dialOpts{}).expectServiceIDs("SSH")
}

func TestHandshakeRejectsClaims(t *testing.T) {
	e := newEnv(t, Config{})
	id, st, dt := e.auth.open(nil, time.Time{})
	_, st2, _ := e.auth.open(nil, time.Time{})

	e.mustDial("source", st, dialOpts{})
	c, resp := e.dial("source", st, dialOpts{})
	checkRejected(t, c, resp, 400, textTokenUsed)
	c, resp = e.dial("source", st, dialOpts{clientToken: clientTokenA})
	checkRejected(t, c, resp, 400, textTokenUsed)

	e.mustDial("destination", dt, dialOpts{clientToken: clientTokenA})
	c, resp = e.dial("destination", dt, dialOpts{clientToken: clientTokenB})
	checkRejected(t, c, resp, 400, textClientMismatch)
	c, resp = e.dial("destination", dt, dialOpts{})
	checkRejected(t, c, resp, 400, textTokenUsed)
	c, resp = e.dial("source", st2, dialOpts{clientToken: clientTokenA}) // bound to dt
	checkRejected(t, c, resp, 400, textClientMismatch)

	e.auth.mu.Lock()
	e.auth.closed[id] = true
	e.auth.mu.Unlock()
	c, resp = e.dial("destination", dt, dialOpts{clientToken: clientTokenA})
	checkRejected(t, c, resp, 400, "Tunnel is closed")

	_, st3, _ := e.auth.open(nil, time.Now().Add(-time.Second))
	c, resp = e.dial("source", st3, dialOpts{})
	checkRejected(t, c, resp, 400, "Tunnel is closed")

	e.auth.mu.Lock()
	e.auth.fail = errors.New("database on fire")
	e.auth.mu.Unlock()
	c, resp = e.dial("source", st2, dialOpts{})
	checkRejected(t, c, resp, 503, "Service unavailable")
}

func TestAttemptRateLimit(t *testing.T) {
	e := newEnv(t, Config{AttemptRate: 0.001, AttemptBurst: 2})
	_, st, _ := e.auth.open(nil, time.Time{})
	e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
	e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
	c, resp := e.dial("source", st, dialOpts{clientToken: clientTokenA})
	checkRejected(t, c, resp, 429, rejRateLimited.reason)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Another tunnel is not affected.
	_, st2, _ := e.auth.open(nil, time.Time{})
	e.mustDial("source", st2, dialOpts{})
}

func TestFailedAttemptsThrottled(t *testing.T) {
	e := newEnv(t, Config{FailedAttemptRate: 0.001, FailedAttemptBurst: 3})
	_, st, _ := e.auth.open(nil, time.Time{})
	for i := range 3 {
		c, resp := e.dial("source", "adt1.guess"+string(rune('a'+i)), dialOpts{})
		checkRejected(t, c, resp, 400, "Invalid access token")
	}
	for i := range 2 {
		c, resp := e.dial("source", "adt1.more"+string(rune('a'+i)), dialOpts{})
		checkRejected(t, c, resp, 429, rejThrottled.reason)
		if resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// The budget is spent, but a valid token from the same address is
	// checked first and connects: only failures count.
	e.mustDial("source", st, dialOpts{})
	// Its use did not refill the budget either.
	c, resp := e.dial("source", "adt1.last", dialOpts{})
	checkRejected(t, c, resp, 429, rejThrottled.reason)
}

// TestFailedAttemptsNoOvershoot sends n bad tokens at once against a
// failure burst of b, all held in Claim together: exactly b are answered
// with their reason, the rest 429; the budget is not overshot.
func TestFailedAttemptsNoOvershoot(t *testing.T) {
	const n, b = 40, 5
	e := newEnv(t, Config{FailedAttemptRate: 0.001, FailedAttemptBurst: b})
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	e.auth.hold = func() { // a barrier: every claim waits for the others (bounded)
		arrived.Done()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
		}
	}
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, resp := e.dial("source", fmt.Sprintf("adt1.concurrent-guess-%d", i), dialOpts{})
			if c != nil {
				t.Error("a bad token connected")
				return
			}
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for st := range statuses {
		counts[st]++
	}
	if counts[400] != b || counts[429] != n-b {
		t.Errorf("answers %v, want %d × 400 and %d × 429", counts, b, n-b)
	}
}

func TestEarlyFramesAfterUpgrade(t *testing.T) {
	// A client that sends frames right behind its request, before reading
	// the 101, must not lose them.
	e := newEnv(t, Config{})
	_, st, dt := e.auth.open(nil, time.Time{})
	dst := e.mustDial("destination", dt, dialOpts{})
	dst.expectServiceIDs()
	start := wire.Message{Type: wire.TypeStreamStart, StreamID: 3}
	req := "GET /tunnel?local-proxy-mode=source HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Protocol: " + wire.Subprotocol1 + "\r\naccess-token: " + st + "\r\n\r\n" +
		string(clientFrame(true, opBinary, frames(start)))
	src, resp := e.dialRaw(req)
	if src == nil {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("Sec-WebSocket-Accept = %q", got)
	}
	dst.expectMsg(start)
}
