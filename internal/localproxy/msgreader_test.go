package localproxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/adit-project/adit/internal/wire"
)

// chunkReader returns the stream in random-sized pieces.
type chunkReader struct {
	b   []byte
	rng *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.b), 1+c.rng.IntN(100<<10))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

func TestMsgReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	var msgs [][]byte
	for i := range 400 {
		n := 1 + rng.IntN(wire.MaxMessageSize)
		if i%3 == 0 {
			n = 1 + rng.IntN(100)
		}
		m := make([]byte, n)
		for j := range m {
			m[j] = byte(rng.Uint32())
		}
		msgs = append(msgs, m)
		stream = binary.BigEndian.AppendUint16(stream, uint16(n))
		stream = append(stream, m...)
	}
	for name, src := range map[string]io.Reader{
		"chunks":  &chunkReader{b: stream, rng: rng},
		"onebyte": iotest.OneByteReader(bytes.NewReader(stream[:200<<10])),
	} {
		r := newMsgReader(src)
		for i := 0; ; i++ {
			b, err := r.next()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				if name == "chunks" && (err != io.EOF || i != len(msgs)) {
					t.Fatalf("%s: end after %d messages: %v", name, i, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: message %d: %v", name, i, err)
			}
			if !bytes.Equal(b, msgs[i]) {
				t.Fatalf("%s: message %d differs (%d bytes, want %d)", name, i, len(b), len(msgs[i]))
			}
		}
	}
	if _, err := newMsgReader(bytes.NewReader([]byte{0, 0})).next(); !errors.Is(err, wire.ErrZeroLength) {
		t.Fatalf("zero length: %v", err)
	}
	if _, err := newMsgReader(bytes.NewReader([]byte{0, 5, 1})).next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: %v", err)
	}
}
