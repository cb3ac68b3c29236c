// Package linkmux carries many byte streams over one connection between
// two tunneld nodes (a link, docs/PROTOCOL.md D25). Only the side that
// dialled the link opens streams; the other side accepts them. Each
// stream is a net.Conn with its own flow control: each side of a new
// stream may send 2 MiB before any CREDIT, and this implementation grants
// the other 2 MiB of its Window at once, so a receiver holds at most
// Window unread bytes per stream and a stream whose reader stalls stops
// only its own sender and never the link.
//
// Frames are a 9-byte header — type (1 byte), stream id (4), length (4),
// big-endian — followed, for DATA only, by length bytes of payload:
//
//	DATA   payload for the stream (at most MaxFrame bytes)
//	OPEN   a new stream, from the dialling side
//	CREDIT the receiver read length more bytes of the stream
//	CLOSE  the sender sends no more on the stream (EOF after the data)
//	RESET  the stream is abandoned both ways
//	PING   keepalive, answered by PONG with the same length field
//
// Writes go straight to the connection under a lock, header and payload in
// one writev. One goroutine per session reads frames through a 256 KiB
// buffer and hands payloads on in place: consecutive DATA of one stream
// already buffered reach that stream's socket in one write (Stream.WriteTo)
// and are copied only if they must wait. It never waits on a write: a
// control frame it sends goes out at once only when the link is free and
// its socket takes the frame, else from a goroutine, so two nodes can
// never block each other reading.
package linkmux
