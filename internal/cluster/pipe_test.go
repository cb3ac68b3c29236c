package cluster

import (
	"bytes"
	"crypto/rand"
	"net"
	"testing"
	"time"
)

// TestCopyFromSocket: bytes from a real TCP socket, small writes and large
// ones, arrive intact, and the copy ends at the socket's EOF.
func TestCopyFromSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sentc := make(chan []byte, 1)
	go func() {
		var sent bytes.Buffer
		defer func() { sentc <- sent.Bytes() }()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		for i := range 30 {
			b := make([]byte, 1+i*i*150) // 1 B … ~126 KiB, beyond one borrowed buffer
			rand.Read(b)
			sent.Write(b)
			c.Write(b)
			if i%7 == 0 {
				time.Sleep(5 * time.Millisecond) // the copy waits for data
			}
		}
	}()
	src, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if readableWaiter(src) == nil {
		t.Fatal("no readiness wait on a TCP connection")
	}
	var got bytes.Buffer
	done := make(chan struct{})
	go func() { copyFromSocket(&got, src); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("copy did not end at EOF")
	}
	if sent := <-sentc; !bytes.Equal(got.Bytes(), sent) {
		t.Fatalf("copied %d bytes, sent %d; contents differ", got.Len(), len(sent))
	}
}
