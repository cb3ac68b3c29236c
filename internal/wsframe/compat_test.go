package wsframe

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawRequest captures the bytes of one upgrade request sent to a real
// listener (answered with a 400, so both clients stop there).
func rawRequest(t *testing.T, send func(addr string)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- ""
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		var raw []byte
		for {
			line, err := br.ReadString('\n')
			raw = append(raw, line...)
			if err != nil || line == "\r\n" {
				break
			}
		}
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		got <- string(raw)
	}()
	send(ln.Addr().String())
	return <-got
}

// TestUpgradeRequestMatchesGorilla checks that Upgrade sends the bytes
// gorilla/websocket's Dialer sent for localproxy's request, the key
// aside: the acceptance clients saw that request before.
func TestUpgradeRequestMatchesGorilla(t *testing.T) {
	hdr := func() http.Header {
		return http.Header{"access-token": {"tok"}, "client-token": {"cli"}, "User-Agent": {"adit-localproxy/1"}}
	}
	viaGorilla := rawRequest(t, func(addr string) {
		d := websocket.Dialer{Subprotocols: []string{"aws.iot.securetunneling-3.0"}}
		d.DialContext(context.Background(), "ws://"+addr+"/tunnel?local-proxy-mode=source", hdr())
	})
	viaUpgrade := rawRequest(t, func(addr string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/tunnel?local-proxy-mode=source", nil)
		req.Header = hdr()
		Upgrade(c, bufio.NewReader(c), req, "aws.iot.securetunneling-3.0")
	})
	key := regexp.MustCompile(`Sec-WebSocket-Key: [A-Za-z0-9+/=]{24}\r\n`)
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	norm := func(s string) string {
		return port.ReplaceAllString(key.ReplaceAllString(s, "Sec-WebSocket-Key: K\r\n"), "HOST")
	}
	if a, b := norm(viaGorilla), norm(viaUpgrade); a != b || a == "" {
		t.Fatalf("requests differ:\ngorilla:\n%s\nwsframe:\n%s", a, b)
	}
}
