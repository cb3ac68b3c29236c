package linkmux

import (
	"io"
	"net"
	"testing"
)

// BenchmarkStream: one stream's throughput over a loopback link, beside
// the same bytes over a plain loopback TCP connection.
func BenchmarkStream(b *testing.B) {
	for _, size := range []int{512, 32 << 10} {
		b.Run("linkmux/"+byteSize(size), func(b *testing.B) {
			c, s := pair(&testing.T{}, Config{})
			defer c.Close()
			defer s.Close()
			st, _ := c.Open()
			srv, _ := s.Accept()
			benchCopy(b, st, srv, size)
		})
		b.Run("tcp/"+byteSize(size), func(b *testing.B) {
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err == nil {
					defer c.Close()
					io.Copy(io.Discard, c)
				}
			}()
			c, _ := net.Dial("tcp", ln.Addr().String())
			defer c.Close()
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				c.Write(buf)
			}
		})
	}
}

func benchCopy(b *testing.B, w io.Writer, r io.Reader, size int) {
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, r); close(done) }()
	buf := make([]byte, size)
	b.SetBytes(int64(size))
	for b.Loop() {
		if _, err := w.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if c, ok := w.(io.Closer); ok {
		c.Close()
	}
	<-done
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return itoa(n>>10) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
