package relay

import (
	"bytes"
	"encoding/hex"
	"errors"
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
