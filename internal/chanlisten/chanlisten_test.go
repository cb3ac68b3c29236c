package chanlisten

import (
	"errors"
	"net"
	"testing"
)

// TestPushAcceptClose: a pushed connection reaches Accept; once closed,
// Accept and Push fail at once, and Close may be called again.
func TestPushAcceptClose(t *testing.T) {
	l := New("test", "here")
	if a := l.Addr(); a.Network() != "test" || a.String() != "here" {
		t.Fatalf("Addr = %s/%s", a.Network(), a.String())
	}
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	pushed := make(chan bool, 1)
	go func() { pushed <- l.Push(s) }()
	got, err := l.Accept()
	if err != nil || got != s || !<-pushed {
		t.Fatalf("Accept = %v, %v; want the pushed connection", got, err)
	}
	l.Close()
	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if l.Push(c) {
		t.Fatal("Push after Close succeeded")
	}
}
