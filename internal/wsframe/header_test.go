package wsframe

import (
	"bytes"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	key := [4]byte{9, 8, 7, 6}
	for _, n := range []int{0, 1, 125, 126, 0xFFFF, 0x10000, 131076} {
		for _, masked := range []bool{false, true} {
			var b []byte
			if masked {
				b = AppendMaskedHeader(nil, OpBinary, n, key)
			} else {
				b = AppendHeader(nil, OpBinary, n)
			}
			if len(b) > MaxHeaderSize || !masked && len(b) > MaxServerHeaderSize {
				t.Fatalf("n=%d masked=%v: %d-byte header", n, masked, len(b))
			}
			if _, ok := ParseHeader(b[:len(b)-1]); ok {
				t.Fatalf("n=%d: a truncated header parsed", n)
			}
			h, ok := ParseHeader(b)
			want := Header{Fin: true, Op: OpBinary, Masked: masked, Length: uint64(n), Size: len(b)}
			if masked {
				want.Mask = key
			}
			if !ok || h != want {
				t.Fatalf("n=%d masked=%v: %+v, want %+v", n, masked, h, want)
			}
		}
	}
}

func TestAppendClientFrame(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	f := AppendClientFrame(nil, OpPing, []byte("hello"), key)
	want := []byte{0x89, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}
	if !bytes.Equal(f, want) {
		t.Fatalf("frame %x, want %x", f, want)
	}
}

func TestClose(t *testing.T) {
	f := AppendCloseFrame(nil, CloseProtocolError, "bad")
	if want := []byte{0x88, 5, 0x03, 0xEA, 'b', 'a', 'd'}; !bytes.Equal(f, want) {
		t.Fatalf("close frame %x, want %x", f, want)
	}
	long := string(bytes.Repeat([]byte{'x'}, 200))
	if p := AppendClosePayload(nil, CloseNormal, long); len(p) != MaxControlPayload {
		t.Fatalf("payload of %d bytes, want %d", len(p), MaxControlPayload)
	}
	if p := AppendClosePayload(nil, CloseNoStatus, "x"); len(p) != 0 {
		t.Fatalf("no-status payload %x", p)
	}
	cases := []struct {
		p    []byte
		want Close
		err  string // of ParseClose, then of Check
	}{
		{nil, Close{Code: CloseNoStatus}, ""},
		{[]byte{3}, Close{}, "websocket: close frame with a 1-byte payload"},
		{[]byte{3, 0xE8, 'o', 'k'}, Close{Code: 1000, HasCode: true, Reason: []byte("ok")}, ""},
		{[]byte{3, 0xED}, Close{Code: 1005, HasCode: true, Reason: []byte{}}, "websocket: bad close code 1005"},
		{[]byte{0x0F, 0xA0}, Close{Code: 4000, HasCode: true, Reason: []byte{}}, ""},
		{[]byte{3, 0xE8, 0xFF}, Close{Code: 1000, HasCode: true, Reason: []byte{0xFF}}, "websocket: invalid utf8 payload in close frame"},
	}
	for _, c := range cases {
		got, err := ParseClose(c.p)
		if err == nil {
			err = got.Check()
		}
		if msg := errString(err); msg != c.err || err == nil && (got.Code != c.want.Code || got.HasCode != c.want.HasCode || !bytes.Equal(got.Reason, c.want.Reason)) {
			t.Errorf("%x: %+v, %q; want %+v, %q", c.p, got, msg, c.want, c.err)
		}
	}
	for code, ok := range map[uint16]bool{999: false, 1000: true, 1004: false, 1006: false, 1014: true, 1015: false, 2999: false, 4999: true, 5000: false} {
		if ValidCloseCode(code) != ok {
			t.Errorf("ValidCloseCode(%d) = %v", code, !ok)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
