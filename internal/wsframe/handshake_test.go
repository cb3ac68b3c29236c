package wsframe

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAcceptKey(t *testing.T) {
	// The example of RFC 6455 §1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

// upgradeServer answers one upgrade on a real listener with answer(key),
// then sends extra; it returns the request it saw.
func upgradeServer(t *testing.T, answer func(key string) string, extra string) (string, <-chan *http.Request) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan *http.Request, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		got <- req
		io.WriteString(c, answer(req.Header.Get("Sec-WebSocket-Key"))+extra)
		io.Copy(io.Discard, c)
	}()
	return ln.Addr().String(), got
}

func dialUpgrade(t *testing.T, addr string) (*http.Response, *bufio.Reader, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/tunnel?local-proxy-mode=source", nil)
	req.Header["access-token"] = []string{"tok"}
	br := bufio.NewReader(c)
	resp, err := Upgrade(c, br, req, "aws.iot.securetunneling-3.0")
	return resp, br, err
}

func TestUpgrade(t *testing.T) {
	addr, reqs := upgradeServer(t, func(key string) string {
		return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + AcceptKey(key) + "\r\nSec-WebSocket-Protocol: aws.iot.securetunneling-3.0\r\n\r\n"
	}, "\x82\x00")
	resp, br, err := dialUpgrade(t, addr)
	if err != nil {
		t.Fatalf("Upgrade: %v", err)
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != "aws.iot.securetunneling-3.0" {
		t.Fatalf("subprotocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	req := <-reqs
	if req.Header.Get("Upgrade") != "websocket" || req.Header.Get("Sec-WebSocket-Version") != "13" ||
		req.Header.Get("Sec-WebSocket-Protocol") != "aws.iot.securetunneling-3.0" || req.Header.Get("access-token") != "tok" ||
		req.URL.RawQuery != "local-proxy-mode=source" {
		t.Fatalf("request %v %v", req.URL, req.Header)
	}
	b := make([]byte, 2)
	if _, err := io.ReadFull(br, b); err != nil || string(b) != "\x82\x00" {
		t.Fatalf("bytes after the answer: %x, %v", b, err)
	}
}

func TestUpgradeRefused(t *testing.T) {
	for name, answer := range map[string]func(string) string{
		"status": func(string) string {
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\nbad token"
		},
		"accept": func(string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n"
		},
		"upgrade": func(key string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + AcceptKey(key) + "\r\n\r\n"
		},
	} {
		addr, _ := upgradeServer(t, answer, "")
		resp, _, err := dialUpgrade(t, addr)
		if !errors.Is(err, ErrBadHandshake) || resp == nil {
			t.Fatalf("%s: %v, %v", name, resp, err)
		}
		if name == "status" {
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(string(body), "bad token") {
				t.Fatalf("status: %d %q", resp.StatusCode, body)
			}
		}
	}
}
