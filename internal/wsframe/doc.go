// Package wsframe is adit's one WebSocket layer (RFC 6455) for the tunnel
// data plane, shared by the relay (server side), localproxy and the
// benchmark tool (client side):
//
//   - opcodes and frame headers: AppendHeader writes an unmasked server
//     header, AppendMaskedHeader a masked client header, ParseHeader reads
//     either (header.go);
//   - masking: Mask, the XOR loop every client frame and every server read
//     goes through (mask.go);
//   - Close frames: the payload (code and reason), which codes a peer may
//     send, UTF-8 validation (close.go);
//   - Reader, the zero-copy frame reader: it unmasks data payloads in place,
//     joins them into one byte stream across frames and messages, and cuts
//     that stream into records with a SplitFunc (the tunnel's 2-byte length
//     prefix, wire.FrameSize), so a complete record is always one contiguous
//     slice of its buffer; control frames come out as events (reader.go);
//   - the client's opening handshake: the upgrade request with a random
//     Sec-WebSocket-Key and the check of the 101 answer (handshake.go).
//
// The tunnel carries binary messages only: Reader reports a text message
// as an error, like any other breach of the framing rules. There are no
// extensions (no compression). Networking, deadlines and write queues stay
// with the callers; this package only encodes and decodes.
package wsframe
