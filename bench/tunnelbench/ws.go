package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// wsPeer is a lightweight data-plane client: one WebSocket to tunneld,
// protocol 3.0, framing by internal/wsframe (masked client frames out, a
// client-side wsframe.Reader in). It is meant for thousands of idle-ish
// peers in one process, so it reads into a small buffer and borrows a big
// one only while a large frame is in flight.
type wsPeer struct {
	c    net.Conn
	rd   wsframe.Reader
	wmu  sync.Mutex
	wbuf []byte
	err  error // read error, returned once the buffered frames are used
}

var errClosed = errors.New("websocket closed by the server")

// peerBufs lends peers their big read buffers.
var peerBufs = lender{sync.Pool{New: func() any {
	b := make([]byte, 2*(wsframe.MaxServerHeaderSize+wire.LengthPrefixSize+wire.MaxMessageSize))
	return &b
}}}

type lender struct{ p sync.Pool }

func (l *lender) Get() *[]byte  { return l.p.Get().(*[]byte) }
func (l *lender) Put(b *[]byte) { l.p.Put(b) }

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
	p, err := upgradePeer(c, mode, token)
	if err != nil {
		c.Close()
		return nil, err
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

// upgradePeer runs the WebSocket handshake on c.
func upgradePeer(c net.Conn, mode, token string) (*wsPeer, error) {
	req := &http.Request{Method: http.MethodGet, Host: "127.0.0.1", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		URL:    &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/tunnel", RawQuery: "local-proxy-mode=" + mode},
		Header: http.Header{"access-token": {token}}}
	br := bufio.NewReaderSize(c, 1024)
	resp, err := wsframe.Upgrade(c, br, req, wire.Subprotocol3)
	if errors.Is(err, wsframe.ErrBadHandshake) {
		body, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("upgrade: %s: %s", resp.Status, body)
	}
	if err != nil {
		return nil, err
	}
	p := &wsPeer{c: c}
	var small [1024]byte
	p.rd = wsframe.NewReader(wsframe.Client, small[:], &peerBufs, wire.FrameSize, wire.MaxWSMessage)
	early, _ := br.Peek(br.Buffered())
	p.rd.Preload(early)
	return p, nil
}

// close closes the connection. A reader may still be running, so its big
// buffer, if it holds one, is left to the garbage collector.
func (p *wsPeer) close() { p.c.Close() }

// send writes m in one masked binary frame.
func (p *wsPeer) send(m *wire.Message) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	body, err := wire.AppendFrame(nil, m)
	if err != nil {
		return err
	}
	return p.writeFrame(wsframe.OpBinary, body)
}

// writeFrame writes one frame; the caller holds wmu. The masking key is
// fixed: the relay cannot tell, and the key does not matter on loopback.
func (p *wsPeer) writeFrame(op byte, body []byte) error {
	p.wbuf = wsframe.AppendClientFrame(p.wbuf[:0], op, body, [4]byte{0x12, 0x34, 0x56, 0x78})
	_, err := p.c.Write(p.wbuf)
	if cap(p.wbuf) > 4096 {
		p.wbuf = nil
	}
	return err
}

// read returns the next tunnel message; its payload aliases the peer's
// buffer until the next read. It answers pings.
func (p *wsPeer) read(m *wire.Message) error {
	for {
		ev, err := p.rd.Next()
		if err != nil {
			return err
		}
		switch ev.Kind {
		case wsframe.Record:
			return m.Unmarshal(ev.Data[wire.LengthPrefixSize:])
		case wsframe.Ping:
			p.wmu.Lock()
			err := p.writeFrame(wsframe.OpPong, ev.Data)
			p.wmu.Unlock()
			if err != nil {
				return err
			}
			continue
		case wsframe.Pong:
			continue
		case wsframe.CloseFrame:
			c, _ := wsframe.ParseClose(ev.Data)
			return fmt.Errorf("%w: code %d %q", errClosed, c.Code, c.Reason)
		}
		if p.err != nil {
			return p.err
		}
		n, err := p.c.Read(p.rd.Space())
		p.rd.Advance(n)
		p.err = err
	}
}
