package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

// wsPeer is a lightweight data-plane client: one WebSocket to tunneld,
// protocol 3.0, hand-written framing (masked client frames). It is meant
// for thousands of idle-ish peers in one process, so it keeps small
// buffers.
type wsPeer struct {
	c       net.Conn
	br      *bufio.Reader
	wmu     sync.Mutex
	wbuf    []byte
	pending []byte // bytes of tunnel frames not yet consumed
	rbuf    []byte
}

var errClosed = errors.New("websocket closed by the server")

func tlsConfigFromCA(caFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificates", caFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, nil
}

// dialPeer connects a peer in mode "source" or "destination" and waits
// for SERVICE_IDS.
func dialPeer(addr string, tlsCfg *tls.Config, mode, token string, timeout time.Duration) (*wsPeer, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	if tlsCfg != nil {
		tc := tls.Client(c, tlsCfg)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return nil, err
		}
		c = tc
	}
	req := "GET /tunnel?local-proxy-mode=" + mode + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: " +
		wire.Subprotocol3 + "\r\naccess-token: " + token + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	p := &wsPeer{c: c, br: bufio.NewReaderSize(c, 1024)}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		c.Close()
		return nil, fmt.Errorf("upgrade: %s: %s", resp.Status, body)
	}
	var m wire.Message
	for {
		if err := p.read(&m); err != nil {
			c.Close()
			return nil, fmt.Errorf("waiting for SERVICE_IDS: %w", err)
		}
		if m.Type == wire.TypeServiceIDs {
			break
		}
	}
	c.SetDeadline(time.Time{})
	return p, nil
}

func (p *wsPeer) close() { p.c.Close() }

// send writes m in one masked binary frame.
func (p *wsPeer) send(m *wire.Message) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	body, err := wire.AppendFrame(nil, m)
	if err != nil {
		return err
	}
	return p.writeFrame(0x2, body)
}

// writeFrame writes one frame; the caller holds wmu. The masking key is
// fixed: the relay cannot tell, and the key does not matter on loopback.
func (p *wsPeer) writeFrame(op byte, body []byte) error {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := p.wbuf[:0]
	b = append(b, 0x80|op)
	switch n := len(body); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, body...)
	for i := start; i < len(b); i++ {
		b[i] ^= key[(i-start)&3]
	}
	p.wbuf = b
	_, err := p.c.Write(b)
	if cap(p.wbuf) > 4096 {
		p.wbuf = nil
	}
	return err
}

// read returns the next tunnel message; its payload aliases the peer's
// buffer until the next read.
func (p *wsPeer) read(m *wire.Message) error {
	for {
		if len(p.pending) > 0 {
			msg, rest, ok, err := wire.SplitFrame(p.pending)
			if err != nil {
				return err
			}
			if ok {
				if err := m.Unmarshal(msg); err != nil {
					return err
				}
				p.pending = rest
				return nil
			}
		}
		if err := p.readFrame(); err != nil {
			return err
		}
	}
}

// readFrame reads one WebSocket frame and appends a data payload to
// pending; it answers pings.
func (p *wsPeer) readFrame() error {
	var h [2]byte
	if _, err := io.ReadFull(p.br, h[:]); err != nil {
		return err
	}
	op := h[0] & 0x0f
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		if _, err := io.ReadFull(p.br, e[:]); err != nil {
			return err
		}
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		if _, err := io.ReadFull(p.br, e[:]); err != nil {
			return err
		}
		n = binary.BigEndian.Uint64(e[:])
	}
	if n > 1<<20 {
		return fmt.Errorf("websocket frame of %d bytes", n)
	}
	var key [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(p.br, key[:]); err != nil {
			return err
		}
	}
	// Keep unconsumed bytes at the front of rbuf.
	keep := len(p.pending)
	if cap(p.rbuf) < keep+int(n) {
		nb := make([]byte, keep, keep+int(n)+512)
		copy(nb, p.pending)
		p.rbuf = nb
	} else {
		copy(p.rbuf[:keep], p.pending)
		p.rbuf = p.rbuf[:keep]
	}
	body := p.rbuf[keep : keep+int(n)]
	if _, err := io.ReadFull(p.br, body); err != nil {
		return err
	}
	if masked {
		for i := range body {
			body[i] ^= key[i&3]
		}
	}
	switch op {
	case 0x0, 0x1, 0x2:
		p.pending = p.rbuf[:keep+int(n)]
		p.rbuf = p.pending
	case 0x8:
		code := 0
		if len(body) >= 2 {
			code = int(binary.BigEndian.Uint16(body))
		}
		p.pending = p.rbuf[:keep]
		return fmt.Errorf("%w: code %d %q", errClosed, code, body[min(2, len(body)):])
	case 0x9:
		pl := append([]byte(nil), body...)
		p.pending = p.rbuf[:keep]
		p.wmu.Lock()
		err := p.writeFrame(0xA, pl)
		p.wmu.Unlock()
		return err
	default:
		p.pending = p.rbuf[:keep]
	}
	return nil
}
