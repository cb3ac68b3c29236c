package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

// examples are the §3.5 encodings of docs/PROTOCOL.md, generated there with
// protoc --encode against Message.proto.
var examples = []struct {
	name string
	msg  Message
	hex  string
}{
	{"service_ids_empty", Message{Type: TypeServiceIDs}, "0805"},
	{"service_ids_two", Message{Type: TypeServiceIDs, AvailableServiceIDs: []string{"SSH1", "SSH2"}}, "0805320453534831320453534832"},
	{"stream_start", Message{Type: TypeStreamStart, StreamID: 1, ServiceID: "SSH1", ConnectionID: 1}, "080210012a045353483138 01"},
	{"data", Message{Type: TypeData, StreamID: 1, Payload: []byte("hi"), ServiceID: "SSH1", ConnectionID: 2}, "0801100122026869 2a04535348313802"},
	{"stream_reset_v1", Message{Type: TypeStreamReset, StreamID: 1}, "08031001"},
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExamplesRoundTrip(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			want := mustHex(t, ex.hex)
			if got := ex.msg.AppendMarshal(nil); !bytes.Equal(got, want) {
				t.Errorf("AppendMarshal = %x, want %x", got, want)
			}
			if ex.msg.Size() != len(want) {
				t.Errorf("Size = %d, want %d", ex.msg.Size(), len(want))
			}
			var m Message
			if err := m.Unmarshal(want); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(m, ex.msg) {
				t.Errorf("Unmarshal = %+v, want %+v", m, ex.msg)
			}
			frame, err := AppendFrame(nil, &ex.msg)
			if err != nil || int(frame[0])<<8|int(frame[1]) != len(want) {
				t.Errorf("AppendFrame = %x, %v", frame, err)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	cases := map[string]string{
		"unknown_field_8":   "0801 4001",
		"wrong_wire_type":   "0a0100",
		"truncated_payload": "0801 2205 6869",
		"truncated_varint":  "08",
		"overlong_varint":   "08ffffffffffffffffffff01",
		"fixed64_field":     "0901020304050607 08",
		"group_start":       "0b",
		"bytes_as_streamid": "1201 00",
		"varint_as_service": "2801",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			var m Message
			if err := m.Unmarshal(mustHex(t, h)); err == nil {
				t.Errorf("Unmarshal(%s) = nil error, want an error; got %+v", h, m)
			}
		})
	}
}

func TestNegativeStreamIDRoundTrips(t *testing.T) {
	in := Message{Type: TypeData, StreamID: -5, Payload: []byte{1}}
	b := in.AppendMarshal(nil)
	if len(b) != in.Size() || len(b) != 2+11+3 {
		t.Fatalf("encoded %d bytes, Size %d, want 16 (10-byte varint)", len(b), in.Size())
	}
	var out Message
	if err := out.Unmarshal(b); err != nil || out.StreamID != -5 {
		t.Fatalf("Unmarshal = %+v, %v", out, err)
	}
}

func TestSplitFrame(t *testing.T) {
	f1, _ := AppendFrame(nil, &examples[0].msg)
	f2, _ := AppendFrame(nil, &examples[2].msg)
	buf := append(append([]byte{}, f1...), f2[:3]...)
	msg, rest, ok, err := SplitFrame(buf)
	if !ok || err != nil || !bytes.Equal(msg, f1[2:]) || len(rest) != 3 {
		t.Fatalf("SplitFrame = %x, %x, %v, %v", msg, rest, ok, err)
	}
	if _, _, ok, err := SplitFrame(rest); ok || err != nil {
		t.Fatalf("partial frame: ok=%v err=%v, want need-more", ok, err)
	}
	if _, _, _, err := SplitFrame([]byte{0, 0, 1}); !errors.Is(err, ErrZeroLength) {
		t.Fatalf("zero length: %v", err)
	}
}

func TestCheckClient(t *testing.T) {
	big := make([]byte, MaxPayload+1)
	cases := []struct {
		name       string
		m          Message
		fromSource bool
		rule       Rule
	}{
		{"data_ok", Message{Type: TypeData, StreamID: 1, Payload: []byte("x")}, false, ""},
		{"type_zero", Message{StreamID: 1}, true, RuleTypeZero},
		{"session_reset", Message{Type: TypeSessionReset}, true, RuleServiceOnlyType},
		{"service_ids", Message{Type: TypeServiceIDs}, false, RuleServiceOnlyType},
		{"start_from_destination", Message{Type: TypeStreamStart, StreamID: 1}, false, RuleSourceOnlyType},
		{"conn_start_from_destination", Message{Type: TypeConnectionStart, StreamID: 1, ConnectionID: 2}, false, RuleSourceOnlyType},
		{"start_ok", Message{Type: TypeStreamStart, StreamID: 1}, true, ""},
		{"stream_zero", Message{Type: TypeConnectionReset}, true, RuleStreamIDZero},
		{"payload_big", Message{Type: TypeData, StreamID: 1, Payload: big}, true, RulePayloadTooLarge},
		{"unknown_type", Message{Type: 9, StreamID: 1}, true, RuleUnknownType},
		{"unknown_ignorable", Message{Type: 9, Ignorable: true}, true, ""},
		{"service_list_on_data", Message{Type: TypeData, StreamID: 1, AvailableServiceIDs: []string{"a"}}, true, RuleUnexpectedField},
	}
	for _, c := range cases {
		err := c.m.CheckClient(c.fromSource)
		var re *RuleError
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%s: CheckClient = %v, want nil", c.name, err)
		case c.rule != "" && (!errors.As(err, &re) || re.Rule != c.rule):
			t.Errorf("%s: CheckClient = %v, want rule %s", c.name, err, c.rule)
		}
	}
}

func TestFrameSize(t *testing.T) {
	f, _ := AppendFrame(nil, &examples[0].msg)
	for i := range len(f) {
		if n, err := FrameSize(f[:i]); n != 0 || err != nil {
			t.Fatalf("FrameSize of %d of %d bytes = %d, %v; want need-more", i, len(f), n, err)
		}
	}
	if n, err := FrameSize(append(f, 0, 7)); n != len(f) || err != nil {
		t.Fatalf("FrameSize = %d, %v; want %d", n, err, len(f))
	}
	if _, err := FrameSize([]byte{0, 0}); !errors.Is(err, ErrZeroLength) {
		t.Fatalf("zero length: %v", err)
	}
}
