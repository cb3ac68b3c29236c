package relay

import (
	"bytes"
	"testing"

	"github.com/adit-project/adit/internal/wire"
)

func TestRelaysEveryMessageType(t *testing.T) {
	e := newEnv(t, Config{})
	id, src, dst := e.pair("SSH", "RDP")
	e.states.waitFor(t, id+":destination:true", id+":source:true")

	fromSrc := []wire.Message{
		{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 1},
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("hello")},
		{Type: wire.TypeConnectionStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 2},
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 2, Payload: bytes.Repeat([]byte{0xAB}, wire.MaxPayload)},
		{Type: wire.TypeConnectionReset, StreamID: 1, ServiceID: "SSH", ConnectionID: 2},
		{Type: 42, Ignorable: true, Payload: []byte("future")},
		{Type: wire.TypeStreamStart, StreamID: 7, ServiceID: "RDP", ConnectionID: 3, Ignorable: true},
	}
	for _, m := range fromSrc {
		src.send(m)
		dst.expectMsg(m)
	}
	fromDst := []wire.Message{
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("world")},
		{Type: wire.TypeConnectionReset, StreamID: 1, ServiceID: "SSH", ConnectionID: 1},
		{Type: wire.TypeStreamReset, StreamID: 7, ServiceID: "RDP"},
		{Type: wire.TypeData, StreamID: 7, ServiceID: "RDP", ConnectionID: 3}, // stale: stream 7 was reset
	}
	for _, m := range fromDst {
		dst.send(m)
		src.expectMsg(m)
	}
	src.send(wire.Message{Type: wire.TypeStreamReset, StreamID: 1, ServiceID: "SSH"})
	dst.expectMsg(wire.Message{Type: wire.TypeStreamReset, StreamID: 1, ServiceID: "SSH"})

	src.closeNormally()
	dst.closeNormally()
	e.states.waitFor(t, id+":destination:true", id+":source:true", id+":source:false", id+":destination:false")
}
