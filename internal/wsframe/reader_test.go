package wsframe

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/adit-project/adit/internal/wire"
)

// spec35 are the tunnel frames of docs/PROTOCOL.md §3.5 (prefix included).
var spec35 = []string{
	"0002" + "0805",
	"000e" + "0805320453534831320453534832",
	"000c" + "080210012a04535348313801",
	"0010" + "0801100122026869" + "2a04535348313802",
	"0004" + "08031001",
}

func spec35Stream(t testing.TB) []byte {
	var out []byte
	for _, h := range spec35 {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// testPool lends buffers big enough for two maximal tunnel frames.
type testPool struct{ p sync.Pool }

func (t *testPool) Get() *[]byte {
	if b, ok := t.p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 2*(MaxServerHeaderSize+wire.LengthPrefixSize+wire.MaxMessageSize))
	return &b
}
func (t *testPool) Put(b *[]byte) { t.p.Put(b) }

var pool testPool

// frame encodes one frame as the given role's peer sends it: masked with a
// fixed key towards a server, unmasked towards a client.
func frame(to Role, fin bool, op byte, p []byte) []byte {
	var f []byte
	if to == Server {
		f = AppendClientFrame(nil, op, p, [4]byte{1, 2, 3, 4})
	} else {
		f = append(AppendHeader(nil, op, len(p)), p...)
	}
	if !fin {
		f[0] &^= BitFin
	}
	return f
}

type event struct {
	Kind  EventKind
	Data  string
	Close Close
}

// readAll feeds b to a Reader in chunks chosen by next and returns the
// events up to the first error.
func readAll(role Role, b []byte, next func(max int) int) ([]event, error) {
	var small [1024]byte
	r := NewReader(role, small[:], &pool, wire.FrameSize, wire.MaxWSMessage)
	defer r.Release()
	var evs []event
	for len(b) > 0 {
		sp := r.Space()
		if len(sp) < MinRead {
			return evs, errors.New("Space returned less than MinRead")
		}
		k := copy(sp[:next(len(sp))], b)
		r.Advance(k)
		b = b[k:]
		for {
			ev, err := r.Next()
			if err != nil {
				return evs, err
			}
			if ev.Kind == NeedMore {
				break
			}
			var c Close
			if ev.Kind == CloseFrame {
				if c, err = ParseClose(ev.Data); err != nil {
					return evs, fmt.Errorf("ParseClose of a CloseFrame event: %w", err)
				}
				c.Reason = bytes.Clone(c.Reason)
			}
			evs = append(evs, event{ev.Kind, string(ev.Data), c})
		}
	}
	return evs, nil
}

// FuzzReader checks that the frames of a stream give the same events and
// error however the stream is cut into reads, for both roles, and that
// every record is one whole tunnel frame.
func FuzzReader(f *testing.F) {
	all := spec35Stream(f)
	for _, role := range []Role{Server, Client} {
		r := byte(role)
		f.Add(frame(role, true, OpBinary, all), uint64(1), r)
		var one []byte
		for rest := all; len(rest) > 0; {
			n, _ := wire.FrameSize(rest)
			one = append(one, frame(role, true, OpBinary, rest[:n])...)
			rest = rest[n:]
		}
		f.Add(one, uint64(2), r)
		// One message over three fragments with a ping between, then Close.
		frag := append(frame(role, false, OpBinary, all[:5]), frame(role, true, OpPing, []byte("1700000000123"))...)
		frag = append(frag, frame(role, false, OpContinuation, all[5:17])...)
		frag = append(frag, frame(role, true, OpContinuation, all[17:])...)
		frag = append(frag, frame(role, true, OpClose, []byte{3, 0xE8, 'o', 'k'})...)
		f.Add(frag, uint64(3), r)
		f.Add(frame(role, true, OpBinary, append([]byte{0x40, 0}, bytes.Repeat([]byte{8}, 16384)...)), uint64(4), r)
		f.Add(frame(role, true, OpText, []byte("hi")), uint64(5), r)
		f.Add(frame(role, true, OpPong, nil), uint64(6), r)
		f.Add(frame(1-role, true, OpBinary, all), uint64(7), r) // wrongly masked
	}
	f.Add([]byte{0x82, 0x02, 0x00, 0x02}, uint64(6), byte(Client))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64, r byte) {
		role := Role(r & 1)
		whole, errW := readAll(role, b, func(max int) int { return max })
		rng := rand.New(rand.NewPCG(seed, seed))
		split, errS := readAll(role, b, func(max int) int { return 1 + rng.IntN(min(max, 1+rng.IntN(300))) })
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("events differ:\nwhole %v\nsplit %v", whole, split)
		}
		if (errW == nil) != (errS == nil) || errW != nil && errW.Error() != errS.Error() {
			t.Fatalf("errors differ: %v / %v", errW, errS)
		}
		var fe *Error
		if errW != nil && !errors.As(errW, &fe) && !errors.Is(errW, wire.ErrZeroLength) {
			t.Fatalf("error %v is neither an *Error nor the splitter's", errW)
		}
		for _, ev := range whole {
			if ev.Kind == Record && (len(ev.Data) < 3 || int(ev.Data[0])<<8|int(ev.Data[1]) != len(ev.Data)-2) {
				t.Fatalf("bad tunnel frame %x", ev.Data)
			}
		}
	})
}

func TestReaderEvents(t *testing.T) {
	all := spec35Stream(t)
	for _, role := range []Role{Server, Client} {
		in := append(frame(role, false, OpBinary, all[:5]), frame(role, true, OpPing, []byte("p"))...)
		in = append(in, frame(role, true, OpContinuation, all[5:])...)
		in = append(in, frame(role, true, OpClose, []byte{3, 0xE8, 'o', 'k'})...)
		evs, err := readAll(role, in, func(int) int { return 1 })
		if err != nil {
			t.Fatalf("role %d: %v", role, err)
		}
		kinds := []EventKind{Record, Ping, Record, Record, Record, Record, CloseFrame}
		if len(evs) != len(kinds) {
			t.Fatalf("role %d: %d events %v, want %d", role, len(evs), evs, len(kinds))
		}
		for i, k := range kinds {
			if evs[i].Kind != k {
				t.Fatalf("role %d: event %d is %d, want %d", role, i, evs[i].Kind, k)
			}
		}
		if evs[1].Data != "p" || evs[0].Data != string(all[:4]) {
			t.Fatalf("role %d: ping %q, first record %x", role, evs[1].Data, evs[0].Data)
		}
		if c := evs[6].Close; c.Code != 1000 || !c.HasCode || string(c.Reason) != "ok" {
			t.Fatalf("role %d: close %+v", role, c)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	cases := []struct {
		name   string
		role   Role
		in     []byte
		kind   ErrorKind
		detail string
	}{
		{"unmasked", Server, frame(Client, true, OpBinary, []byte{0, 1, 8}), ProtocolError, "unmasked client frame"},
		{"masked", Client, frame(Server, true, OpBinary, []byte{0, 1, 8}), ProtocolError, "masked server frame"},
		{"rsv", Client, append([]byte{0xC2}, frame(Client, true, OpBinary, []byte{0, 1, 8})[1:]...), ProtocolError, "reserved header bits set"},
		{"text", Client, frame(Client, true, OpText, []byte("hi")), TextMessage, "text frames are not allowed"},
		{"opcode", Client, frame(Client, true, 0x3, nil), ProtocolError, "reserved opcode 0x3"},
		{"continuation", Client, frame(Client, true, OpContinuation, nil), ProtocolError, "continuation frame without a message"},
		{"nested", Client, append(frame(Client, false, OpBinary, nil), frame(Client, true, OpBinary, nil)...), ProtocolError, "new message inside a fragmented message"},
		{"control", Client, frame(Client, false, OpPing, nil), ProtocolError, "fragmented or oversized control frame"},
		{"close1", Client, frame(Client, true, OpClose, []byte{3}), ProtocolError, "close frame with a 1-byte payload"},
		{"big", Client, []byte{0x82, 127, 0, 0, 0, 0, 0, 2, 0, 5}, MessageTooBig, "WebSocket message payload over 131076 bytes"},
	}
	for _, c := range cases {
		_, err := readAll(c.role, c.in, func(max int) int { return max })
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != c.kind || fe.Detail != c.detail {
			t.Errorf("%s: %v, want kind %d %q", c.name, err, c.kind, c.detail)
		}
	}
	if _, err := readAll(Client, frame(Client, true, OpBinary, []byte{0, 0}), func(max int) int { return max }); !errors.Is(err, wire.ErrZeroLength) {
		t.Errorf("zero length: %v", err)
	}
}
