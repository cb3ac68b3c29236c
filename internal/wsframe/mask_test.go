package wsframe

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func naive(key [4]byte, off int, b []byte) {
	for i := range b {
		b[i] ^= key[(off+i)&3]
	}
}

func TestMaskMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{511, 512, 513, 4096, 65536 + 3}
	for n := range 161 {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		for off := range 4 {
			key := [4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			want := bytes.Clone(b)
			naive(key, off, want)
			if next := Mask(key, off, b); next != (off+n)&3 || !bytes.Equal(b, want) {
				t.Fatalf("Mask(n=%d, off=%d): wrong bytes or next offset %d", n, off, next)
			}
		}
	}
}

func TestMaskInPieces(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	b := bytes.Repeat([]byte{0xAA}, 1000)
	want := bytes.Clone(b)
	naive(key, 0, want)
	off := 0
	for _, cut := range [][2]int{{0, 7}, {7, 300}, {300, 301}, {301, 1000}} {
		off = Mask(key, off, b[cut[0]:cut[1]])
	}
	if !bytes.Equal(b, want) {
		t.Fatal("masking in pieces differs from masking at once")
	}
}

func BenchmarkMask64K(b *testing.B) {
	buf := make([]byte, 64512)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Mask([4]byte{1, 2, 3, 4}, 0, buf)
	}
}

func BenchmarkNaive64K(b *testing.B) {
	buf := make([]byte, 64512)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		naive([4]byte{1, 2, 3, 4}, 0, buf)
	}
}
