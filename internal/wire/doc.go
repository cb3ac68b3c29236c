// Package wire is the data-plane codec of the secure-tunneling protocol:
// the protobuf Message (hand-encoded, field numbers of Message.proto), the
// 2-byte big-endian length-prefixed framing that carries messages inside
// WebSocket binary messages (AppendFrame; FrameSize, the one splitter the
// relay and localproxy cut the stream with), size limits, the stateless
// message rules and the subprotocol names. It does no networking.
//
// Frame layout on the wire (one or more per WebSocket message, possibly
// split across WebSocket messages):
//
//	+--------+--------+-------------------------------+
//	| len hi | len lo | len bytes of protobuf Message |
//	+--------+--------+-------------------------------+
//
// A zero length is invalid. Message fields (proto3, zero values omitted):
// 1 type (enum, varint), 2 streamId (int32), 3 ignorable (bool), 4 payload
// (bytes), 5 serviceId (string), 6 availableServiceIds (repeated string),
// 7 connectionId (uint32). Any other field is rejected.
package wire
