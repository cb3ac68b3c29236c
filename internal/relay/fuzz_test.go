package relay

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/wire"
)

// spec35 are the tunnel frames of PROTOCOL.md §3.5 (prefix included).
var spec35 = []string{
	"0002" + "0805",
	"000e" + "0805320453534831320453534832",
	"000c" + "080210012a04535348313801",
	"0010" + "0801100122026869" + "2a04535348313802",
	"0004" + "08031001",
}

func spec35Frames(t testing.TB) [][]byte {
	var out [][]byte
	for _, h := range spec35 {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fixedMaskFrame is clientFrame with a fixed key, so seeds are stable.
func fixedMaskFrame(fin bool, op byte, p []byte) []byte {
	return clientFrameKey(fin, op, p, [4]byte{1, 2, 3, 4})
}

type fuzzEvent struct {
	kind    eventKind
	data    string
	code    uint16
	hasCode bool
}

// readAll feeds b to a frameReader in chunks chosen by next and returns
// the events up to the first error.
func readAll(b []byte, next func(max int) int) ([]fuzzEvent, error) {
	var small [smallBufSize]byte
	r := newFrameReader(small[:])
	defer r.releaseBig()
	var evs []fuzzEvent
	for len(b) > 0 {
		sp := r.space()
		if len(sp) == 0 {
			return evs, errors.New("no buffer space")
		}
		k := copy(sp[:next(len(sp))], b)
		r.advance(k)
		b = b[k:]
		for {
			ev, err := r.next()
			if err != nil {
				return evs, err
			}
			if ev.kind == evNeedMore {
				break
			}
			evs = append(evs, fuzzEvent{ev.kind, string(ev.data), ev.code, ev.hasCode})
		}
	}
	return evs, nil
}

func FuzzReadFrames(f *testing.F) {
	fr := spec35Frames(f)
	all := bytes.Join(fr, nil)
	f.Add(fixedMaskFrame(true, opBinary, all), uint64(1))
	var one []byte
	for _, b := range fr {
		one = append(one, fixedMaskFrame(true, opBinary, b)...)
	}
	f.Add(one, uint64(2))
	// One message over three fragments with a ping in between, then Close.
	frag := append(fixedMaskFrame(false, opBinary, all[:5]), fixedMaskFrame(true, opPing, []byte("1700000000123"))...)
	frag = append(frag, fixedMaskFrame(false, opContinuation, all[5:17])...)
	frag = append(frag, fixedMaskFrame(true, opContinuation, all[17:])...)
	frag = append(frag, fixedMaskFrame(true, opClose, []byte{3, 0xE8, 'o', 'k'})...)
	f.Add(frag, uint64(3))
	f.Add(fixedMaskFrame(true, opBinary, append([]byte{0x40, 0}, bytes.Repeat([]byte{8}, 16384)...)), uint64(4))
	f.Add(fixedMaskFrame(true, opText, []byte("hi")), uint64(5))
	f.Add([]byte{0x82, 0x02, 0x00, 0x02}, uint64(6))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		whole, errW := readAll(b, func(max int) int { return max })
		rng := rand.New(rand.NewPCG(seed, seed))
		split, errS := readAll(b, func(max int) int { return 1 + rng.IntN(min(max, 1+rng.IntN(300))) })
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("events differ:\nwhole %v\nsplit %v", whole, split)
		}
		if (errW == nil) != (errS == nil) || errW != nil && errW.Error() != errS.Error() {
			t.Fatalf("errors differ: %v / %v", errW, errS)
		}
		var re *wire.RuleError
		if errW != nil && (!errors.As(errW, &re) || !strings.Contains(re.Error(), string(re.Rule))) {
			t.Fatalf("error %v is not a RuleError", errW)
		}
		for _, ev := range whole {
			if ev.kind == evFrame && (len(ev.data) < 3 || int(ev.data[0])<<8|int(ev.data[1]) != len(ev.data)-2) {
				t.Fatalf("bad tunnel frame %x", ev.data)
			}
		}
	})
}

func FuzzValidate(f *testing.F) {
	all := bytes.Join(spec35Frames(f), nil)
	f.Add(all, true, byte(3))
	f.Add(all, false, byte(2))
	f.Add(all[4:], true, byte(1))
	f.Add(frames(wire.Message{Type: wire.TypeStreamStart, StreamID: 1},
		wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH1"}), true, byte(3))
	f.Fuzz(func(t *testing.T, b []byte, fromSource bool, version byte) {
		st := streamTable{services: []string{"SSH1", "SSH2"}}
		var format sessionFormat
		for i := 0; len(b) > 0 && i < 1000; i++ {
			msg, rest, ok, err := wire.SplitFrame(b)
			if !ok || err != nil {
				return
			}
			b = rest
			var m wire.Message
			if m.Unmarshal(msg) != nil {
				continue
			}
			var back wire.Message
			enc := m.AppendMarshal(nil)
			if err := back.Unmarshal(enc); err != nil || !bytes.Equal(back.AppendMarshal(nil), enc) {
				t.Fatalf("round trip of %+v: %+v, %v", m, back, err)
			}
			err = m.CheckClient(fromSource)
			if err == nil {
				err = checkVersion(&m, int(version%3)+1)
			}
			if err == nil && m.Type.Known() {
				err = st.apply(&m, &format, len(msg)%2 == 0)
			}
			var re *wire.RuleError
			if err != nil && (!errors.As(err, &re) || ruleIndex[re.Rule] == 0 && re.Rule != knownRules[0]) {
				t.Fatalf("error %v names no known rule", err)
			}
			if len(st.streams) > len(st.services)+1 {
				t.Fatalf("stream table grew to %d services", len(st.streams))
			}
		}
	})
}
