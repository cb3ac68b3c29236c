package localproxy

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
	"github.com/gorilla/websocket"
)

// The WebSocket layer's A/B benchmarks (issue 15): localproxy's read and
// write paths on internal/wsframe against the same jobs done fully with
// gorilla/websocket, over an in-memory connection, so the figures are
// the layer's CPU cost alone. Sizes: a full DATA message (63 KiB payload)
// and a small one (64 bytes), one tunnel message per WebSocket message as
// the relay sends them.

// loopConn is a net.Conn whose reads replay one block of bytes forever
// (after an optional answer to the first write) and whose writes are
// discarded.
type loopConn struct {
	net.Conn
	block  []byte
	off    int
	answer func(req []byte) []byte // the handshake answer, once
	head   []byte
}

func (c *loopConn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.block[c.off:])
		n += k
		c.off = (c.off + k) % len(c.block)
	}
	return n, nil
}

func (c *loopConn) Write(p []byte) (int, error) {
	if c.answer != nil {
		c.head, c.answer = c.answer(p), nil
	}
	return len(p), nil
}

func (c *loopConn) Close() error                     { return nil }
func (c *loopConn) SetDeadline(time.Time) error      { return nil }
func (c *loopConn) SetReadDeadline(time.Time) error  { return nil }
func (c *loopConn) SetWriteDeadline(time.Time) error { return nil }
func (c *loopConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *loopConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

var layerSizes = []struct {
	name string
	n    int
}{{"63KiB", wire.MaxPayload}, {"64B", 64}}

// dataStream is 16 server frames, each one DATA message of n bytes.
func dataStream(n int) []byte {
	m := wire.Message{Type: wire.TypeData, StreamID: 1, ConnectionID: 1, Payload: make([]byte, n)}
	f, _ := wire.AppendFrame(nil, &m)
	var b []byte
	for range 16 {
		b = append(wsframe.AppendHeader(b, wsframe.OpBinary, len(f)), f...)
	}
	return b
}

// gorillaClient dials a gorilla client over c, answering its upgrade.
func gorillaClient(b *testing.B, c *loopConn) *websocket.Conn {
	c.answer = func(req []byte) []byte {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(string(req))))
		if err != nil {
			b.Fatal(err)
		}
		return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + wsframe.AcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
	}
	d := websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) { return c, nil },
		ReadBufferSize: 4 << 10, WriteBufferSize: 4 << 10}
	ws, _, err := d.Dial("ws://x/tunnel", nil)
	if err != nil {
		b.Fatal(err)
	}
	ws.SetReadLimit(wire.MaxWSMessage)
	return ws
}

// BenchmarkWSLayerRead reads DATA messages and decodes each: A is
// localproxy's reader (wsframe.Reader cutting in place), B gorilla's
// ReadMessage (one allocation per message) cut with wire.SplitFrame.
func BenchmarkWSLayerRead(b *testing.B) {
	for _, sz := range layerSizes {
		block := dataStream(sz.n)
		b.Run("wsframe/"+sz.name, func(b *testing.B) {
			r := newMsgReader(&loopConn{block: block}, nil, wsHandler{})
			var m wire.Message
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				p, err := r.next()
				if err != nil || m.Unmarshal(p) != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gorilla/"+sz.name, func(b *testing.B) {
			ws := gorillaClient(b, &loopConn{block: block})
			var m wire.Message
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				_, p, err := ws.ReadMessage()
				if err != nil {
					b.Fatal(err)
				}
				msg, _, ok, err := wire.SplitFrame(p)
				if !ok || err != nil || m.Unmarshal(msg) != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWSLayerWrite encodes DATA messages around a payload in a pooled
// buffer and writes them in batches of 16: A is localproxy's writer (masked
// in place, one writev per batch), B gorilla's WriteMessage per message
// (copied into its write buffer and masked there).
func BenchmarkWSLayerWrite(b *testing.B) {
	const batch = 16
	for _, sz := range layerSizes {
		b.Run("wsframe/"+sz.name, func(b *testing.B) {
			fw := newFrameWriter(&wsConn{Conn: &loopConn{}}, time.Minute)
			fs := make([]frame, batch)
			b.SetBytes(batch * int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				for i := range fs {
					fs[i] = dataFrame(dataPool.Get().(*[]byte), sz.n, 1, "", 1)
				}
				if err := fw.write(fs); err != nil {
					b.Fatal(err)
				}
				for i := range fs {
					fs[i].free()
				}
			}
		})
		b.Run("gorilla/"+sz.name, func(b *testing.B) {
			c := &loopConn{block: []byte{0}}
			ws := gorillaClient(b, c)
			b.SetBytes(batch * int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				for range batch {
					f := dataFrame(dataPool.Get().(*[]byte), sz.n, 1, "", 1)
					if err := ws.WriteMessage(websocket.BinaryMessage, f.buf[f.off:f.end]); err != nil {
						b.Fatal(err)
					}
					f.free()
				}
			}
		})
	}
}
