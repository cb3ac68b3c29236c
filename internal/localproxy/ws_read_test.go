package localproxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// chunkReader returns the stream in random-sized pieces of at most max
// bytes.
type chunkReader struct {
	b   []byte
	rng *rand.Rand
	max int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.b), 1+c.rng.IntN(c.max))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

// serverFrame encodes an unmasked frame as the relay sends it.
func serverFrame(fin bool, op byte, p []byte) []byte {
	f := append(wsframe.AppendHeader(nil, op, len(p)), p...)
	if !fin {
		f[0] &^= wsframe.BitFin
	}
	return f
}

// readLog records what a msgReader returned and what it asked the
// session to do.
type readLog struct {
	msgs   [][]byte
	calls  []string // ping, pong and close calls in order
	err    string
	closed *closedError
}

func readStream(src io.Reader) readLog {
	var l readLog
	h := wsHandler{
		ping:      func(p []byte) { l.calls = append(l.calls, fmt.Sprintf("ping %q", p)) },
		pong:      func(p []byte) { l.calls = append(l.calls, fmt.Sprintf("pong %q", p)) },
		sendClose: func(code uint16, reason string) { l.calls = append(l.calls, fmt.Sprintf("close %d %q", code, reason)) },
	}
	r := newMsgReader(src, nil, h)
	for i := 0; i < 1e6; i++ {
		b, err := r.next()
		if err != nil {
			l.err = err.Error()
			errors.As(err, &l.closed)
			return l
		}
		if len(b) == 0 || len(b) > wire.MaxMessageSize {
			l.err = fmt.Sprintf("message of %d bytes", len(b))
			return l
		}
		l.msgs = append(l.msgs, bytes.Clone(b))
	}
	l.err = "too many messages"
	return l
}

// randomStream packs random tunnel frames into WebSocket messages of
// random sizes, some fragmented, with pings between frames, and ends with
// a Close frame.
func randomStream(rng *rand.Rand, count int) (stream []byte, msgs [][]byte) {
	var data []byte
	for i := range count {
		n := 1 + rng.IntN(wire.MaxMessageSize)
		if i%3 == 0 {
			n = 1 + rng.IntN(100)
		}
		m := make([]byte, n)
		for j := range m {
			m[j] = byte(rng.Uint32())
		}
		msgs = append(msgs, m)
		data = append(binary.BigEndian.AppendUint16(data, uint16(n)), m...)
	}
	for len(data) > 0 {
		n := min(len(data), 1+rng.IntN(wire.MaxWSMessage))
		msg := data[:n]
		data = data[n:]
		for first := true; ; first = false {
			k := min(len(msg), 1+rng.IntN(n))
			op := wsframe.OpContinuation
			if first {
				op = wsframe.OpBinary
			}
			stream = append(stream, serverFrame(k == len(msg), op, msg[:k])...)
			msg = msg[k:]
			if rng.IntN(4) == 0 {
				stream = append(stream, serverFrame(true, wsframe.OpPing, []byte("t"))...)
			}
			if len(msg) == 0 {
				break
			}
		}
	}
	return append(stream, serverFrame(true, wsframe.OpClose, []byte{3, 0xE8, 'b', 'y', 'e'})...), msgs
}

func TestMsgReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stream, msgs := randomStream(rng, 400)
	for name, src := range map[string]io.Reader{
		"whole":   bytes.NewReader(stream),
		"chunks":  &chunkReader{b: stream, rng: rng, max: 100 << 10},
		"onebyte": iotest.OneByteReader(bytes.NewReader(stream)),
	} {
		l := readStream(src)
		if l.closed == nil || l.closed.code != 1000 || l.closed.text != "bye" {
			t.Fatalf("%s: ended with %q, want the Close frame", name, l.err)
		}
		if len(l.msgs) != len(msgs) {
			t.Fatalf("%s: %d messages, want %d", name, len(l.msgs), len(msgs))
		}
		for i := range msgs {
			if !bytes.Equal(l.msgs[i], msgs[i]) {
				t.Fatalf("%s: message %d differs (%d bytes, want %d)", name, i, len(l.msgs[i]), len(msgs[i]))
			}
		}
		if last := l.calls[len(l.calls)-1]; last != `close 1000 ""` {
			t.Fatalf("%s: Close answered with %s", name, last)
		}
	}
}

func TestMsgReaderErrors(t *testing.T) {
	one := serverFrame(true, wsframe.OpBinary, []byte{0, 2, 8, 5})
	cases := []struct {
		name, in, err, reply string
		protocol             bool
	}{
		{"masked", string(wsframe.AppendClientFrame(nil, wsframe.OpBinary, []byte{0, 1, 8}, [4]byte{1, 2, 3, 4})),
			"read from service: websocket: masked server frame", `close 1002 "masked server frame"`, false},
		{"text", string(serverFrame(true, wsframe.OpText, []byte("hi"))),
			"protocol error from service: text message (the service sends binary only)", "", true},
		{"too_big", "\x82\x7f\x00\x00\x00\x00\x00\x02\x00\x05",
			"protocol error from service: WebSocket message larger than 131076 bytes", `close 1009 ""`, true},
		{"zero_length", string(serverFrame(true, wsframe.OpBinary, []byte{0, 0})),
			"protocol error from service: bad framing: wire: zero-length frame", "", true},
		{"bad_close_code", string(serverFrame(true, wsframe.OpClose, []byte{3, 0xED})),
			"read from service: websocket: bad close code 1005", `close 1002 "bad close code 1005"`, false},
		{"truncated", string(one[:5]), "read from service: unexpected EOF", "", false},
		{"clean_end", string(one), "read from service: EOF", "", false},
		{"no_status", string(serverFrame(true, wsframe.OpClose, nil)),
			`tunnel closed by the service (close code 1005, reason "")`, `close 1005 ""`, false},
	}
	for _, c := range cases {
		l := readStream(bytes.NewReader([]byte(c.in)))
		var reply string
		if len(l.calls) > 0 {
			reply = l.calls[len(l.calls)-1]
		}
		if l.err != c.err || reply != c.reply {
			t.Errorf("%s: %q, reply %s; want %q, reply %s", c.name, l.err, reply, c.err, c.reply)
		}
	}
}

// FuzzMsgReader checks that the session reader returns the same messages,
// control-frame calls and error however the service's bytes are cut into
// reads.
func FuzzMsgReader(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	stream, _ := randomStream(rng, 5)
	f.Add(stream, uint64(1))
	small, _ := randomStream(rand.New(rand.NewPCG(5, 6)), 1)
	f.Add(small, uint64(2))
	f.Add(append(serverFrame(false, wsframe.OpBinary, []byte{0, 3, 8}), serverFrame(true, wsframe.OpPong, []byte("17"))...), uint64(3))
	f.Add(serverFrame(true, wsframe.OpClose, []byte{3, 0xE8, 0xFF}), uint64(4))
	f.Add(serverFrame(true, wsframe.OpText, []byte("x")), uint64(5))
	f.Add([]byte("\x82\x7e\x00\x04\x00\x02\x08\x05"), uint64(6))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		whole := readStream(bytes.NewReader(b))
		split := readStream(&chunkReader{b: b, rng: rand.New(rand.NewPCG(seed, seed)), max: 300})
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("whole and split reads differ:\n%+v\n%+v", whole, split)
		}
		if whole.err == "" {
			t.Fatal("reader ended without an error")
		}
	})
}
