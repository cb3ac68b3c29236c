// Package relay is the data plane of tunneld: the WebSocket hub at
// GET /tunnel that pairs the source and destination local proxies of each
// tunnel and relays tunnel messages between them, wire-compatible with AWS
// IoT Secure Tunneling (docs/PROTOCOL.md §3, decisions D1–D19).
//
// # Protocol in brief
//
// A local proxy upgrades GET /tunnel?local-proxy-mode=source|destination
// with its access token (header access-token or cookie
// awsiot-tunnel-token, exactly one), an optional client-token and the
// subprotocols it speaks. The handshake validates everything cheap, then
// applies the rate of attempts per token, then calls Authenticator.Claim,
// which consumes single-use tokens; a failure is counted against the
// remote address's failed-attempt budget, and once that is spent failures
// are answered 429 (a valid token is never refused for it). Refusals are plain-text responses with X-Status-Reason and
// channel-id (D1). On success the peer is attached to its tunnel, a peer
// of the same mode is replaced (D2), the 101 response echoes the first
// supported subprotocol the client offered (D3) and 2.0/3.0 peers get
// SERVICE_IDS first (D4).
//
// Client frames must be masked and binary; tunnel frames (2-byte length +
// protobuf Message) are parsed as one byte stream across WebSocket frames
// and messages. Each message is checked (wire.CheckClient, the rules of the
// negotiated version and the stateful rules of §3.6/§3.8 in validate.go)
// and its original bytes are sent to the other peer as one WebSocket
// message (D18). A violation closes the sender with 1002 and a reason
// naming the rule; the survivor gets STREAM_RESET for the active streams.
// Messages for an absent peer are refused (starts) or dropped (D5); a
// leaving peer's active streams are reset at the survivor (D6). Pings are
// echoed byte for byte; the relay never pings and never pongs unasked
// (D19). Every close the relay decides sends a Close frame (close.go, D7).
//
// # WebSocket I/O
//
// The relay does its own I/O on the hijacked connection with the
// project's one WebSocket layer, internal/wsframe (wsread.go reads through
// a wsframe.Reader cutting tunnel frames with wire.FrameSize; outbox.go
// writes wsframe headers), instead of a WebSocket library: the upgrade is
// a few header checks, and owning the I/O allows what throughput and idle
// memory need: unmasking in place, a tunnel frame that spans WebSocket
// frames joined by moving bytes down in one buffer, several outgoing
// messages written with one syscall, and no per-connection buffers while
// idle. gorilla/websocket serves only as an independent client in tests.
//
// # Goroutines
//
// ServeHTTP runs the handshake and returns after the upgrade. Each
// attached peer then has:
//
//   - a reader goroutine (peer.run): reads, parses, validates and queues
//     messages for the other peer; on exit it detaches the peer, waits
//     (bounded) for the client's Close reply, waits for its writer and
//     closes the connection;
//   - at most one writer goroutine (outbox.run), alive only while frames
//     are queued: it takes the whole queue and writes it with one call.
//
// When a receiver's queue is empty and nobody is writing to it, the
// sender's reader writes the frame itself with one non-blocking writev
// (plain TCP only, internal/trywrite): no goroutine wakes up and nothing is
// copied, which is most of the relay's share of a small message's latency.
// What the socket does not take is queued for the writer, ahead of
// anything queued meanwhile. A small frame with more frames of the same
// read behind it is queued instead, so a burst still goes out in one
// call. On TLS, internal/tlsbatch gathers the records of one write into one
// system call.
//
// Expiry timers (time.AfterFunc) call CloseTunnel. Shutdown waits for all
// handshakes and reader goroutines; readers wait for their writers.
//
// # Backpressure and memory
//
// A peer's outbox holds at most bufSize (128 KiB) of frames. A reader that
// finds the other peer's outbox full waits, so it stops reading and TCP
// pushes back on its client; nothing is dropped or reordered. The wait
// ends when the writer takes the queue, when the receiver closes, or when
// the sender closes; a receiver that takes no data for WriteTimeout is
// dropped, which also ends the wait. Tunnels share no queue or lock on
// the data path, so a stalled peer delays only its own tunnel.
//
// Buffering bound per tunnel: each of the two peers holds at most one
// pooled read buffer (bufSize), one queued and one in-flight write buffer
// (bufSize each), its 1 KiB small read buffer, and a few hundred bytes of
// relay-generated resets: at most 6 × 131,094 B + 4 KiB ≈ 772 KiB (TLS
// adds crypto/tls's record buffers). An idle peer holds only the small
// buffer and its reader's stack: BenchmarkIdleTunnels measures about
// 16–18 KiB per idle tunnel, clients included.
//
// # Lock order
//
//	Server.stripes[i] → hub.mu → tunnelEntry.mu
//	Server.stripes[i] → peer.dispatchMu (of the peer being replaced)
//	Server.stripes[i] → outbox.mu
//	peer.dispatchMu → tunnelEntry.mu, then (released) → outbox.mu
//
// A stripe serializes attach, detach and StateRecorder calls of the
// tunnels hashed to it, so recorded states end in the right order.
// tunnelEntry.mu is never held while waiting on an outbox. A replacement
// closes the old peer, which ends any wait inside its batch, before it
// takes the old peer's dispatchMu. Server.mu, outbox.mu and
// limiterSet.mu are leaves.
package relay
