// Package localproxy is the local proxy of the secure-tunneling data plane:
// a drop-in replacement for the reference C++ localproxy (docs/PROTOCOL.md §4).
//
// In source mode it listens on local TCP ports, one per service, and turns
// every accepted connection into a stream (STREAM_START) or an extra
// connection of the current stream (CONNECTION_START). In destination mode
// it dials the mapped local endpoint for every stream or connection the
// source opens. Both modes speak protocol V3 by default; a source can speak
// V2 or V1 to older destinations (Config.ClientType).
//
// # Lifecycle
//
// Run connects to the relay, waits for SERVICE_IDS, validates the mapping
// against it and serves until the context ends (it returns ctx.Err()), the
// service sends a Close frame (nil), or a fatal error occurs (a typed error:
// *HandshakeError for a 4xx upgrade rejection, *ServiceMismatchError for a
// mapping that does not fit the tunnel, ErrRetriesExhausted when connecting
// keeps failing). Close codes 1001, 1011, 1012 and 1013 (server going away
// or restarting) are treated like a lost connection. An abrupt loss of the
// WebSocket (I/O error, bad frames, no Close frame), a 5xx or 429 upgrade
// answer, or a TCP or TLS failure starts a new session after a jittered, capped exponential
// backoff, reusing the access token together with the client token. Local
// TCP connections do not survive a session: they are reset, like the
// reference. Source listeners do survive: connections accepted while
// disconnected wait in the kernel backlog until the next session is ready.
//
// # WebSocket
//
// The WebSocket is the project's own, internal/wsframe, for the upgrade
// (ws_dial.go: the request carries access-token, client-token, User-Agent
// and the one configured subprotocol; the answer's Sec-WebSocket-Accept
// and subprotocol are checked), for reading (ws_read.go) and for the
// frames the writer masks in place (frame.go, frame_writer.go). A ping is
// answered with a pong carrying the same payload, a Close frame with a
// Close frame carrying the same code; a breach of WebSocket framing is
// answered with Close 1002 naming it, an oversized message with 1009.
//
// # Goroutines
//
// Run owns one session at a time and, in source mode, one accept loop per
// service (they outlive sessions). A session runs a WebSocket reader, a
// writer goroutine (pings, and frames nobody else wrote) and a closer
// under an errgroup. Every local connection runs one goroutine that dials
// (destination) and reads the local socket, plus one that writes to it;
// the session waits for all of them.
//
// # Flow control and memory
//
// Outbound (local → tunnel): a connection reads at most 64512 bytes into a
// pooled 64 KiB buffer, encodes the DATA message around the payload in
// place and queues it on its own queue in the scheduler. Each connection
// holds at most one queued DATA frame (a credit): it reads no further until
// that frame is written, so a tunnel that cannot take more stops every
// local reader and TCP pushes back on the local applications. Frames are
// taken one per connection per round (round robin), so a busy connection
// cannot starve the others; up to 64 frames (512 KiB) go out per writev,
// masked in place, without further copies (over TLS, internal/tlsbatch sends
// the records of one batch with one system call). The goroutine that queued a
// frame writes one batch itself when no other write is in progress (no
// handoff on the latency path) and leaves the rest to the writer
// goroutine. The WebSocket reader never writes data to the WebSocket (it
// queues pongs; only a Close frame it writes itself, bounded by a second),
// so it keeps draining the service even when the service is slow to read.
//
// Inbound (tunnel → local): the session reader reads the WebSocket
// straight into its own 256 KiB buffer, where a wsframe.Reader joins the
// payloads of the WebSocket frames and cuts tunnel messages in place with
// wire.FrameSize (ws_read.go), so a DATA payload reaches the local socket without being
// copied in user space: it is written straight from that buffer with one
// non-blocking write when nothing is buffered. What does not fit is copied
// to the connection's inbox (pooled 128 KiB chunks), which the
// connection's writer drains, all pending chunks with one writev. An
// inbox holds at most 1 MiB (bytes buffered plus bytes being written) and
// all inboxes of a session together at most 4 MiB; one message is always
// accepted into an empty inbox, so a connection whose application keeps up
// is never held back by the others. Only when a message's connection
// already has bytes pending and its own or the session's limit is reached
// does the reader wait, for room made by any connection's writer, which
// stops reading the WebSocket and so pushes back through the relay to the
// sender. If that wait lasts Config.LocalWriteTimeout (5 s by default) the
// connection the message is for is reset (CONNECTION_RESET or
// STREAM_RESET to the peer, local socket closed, a warning logged): data
// is never dropped silently, and the other connections resume. A
// connection the peer resets still gets the bytes buffered before the
// reset.
//
// Memory is therefore bounded by the number of live connections, at most
// Config.MaxConnsPerService per service: about 64 KiB per idle connection
// (its read buffer) and at most 128 KiB more per saturated one (read
// buffer and queued frame outbound), plus per session about 500 KiB
// (reassembly buffer, writer batch) and the inbound buffers: at most 4 MiB
// of bytes in all inboxes, plus one message (64 KiB) per connection that
// caught up and one partly filled chunk per connection.
//
// # Files
//
// The command line, config files and settings of the reference proxy are
// not here: internal/localproxy/proxyconf turns them into a Config. Here:
// config*.go and errors.go (what Run takes and returns), engine*.go (Run's
// loop, service mapping, source listeners), session*.go (one WebSocket:
// the dispatcher of tunnel messages, the writer), lconn*.go (one local
// connection: its state, reader and writer, inbox, dialer), sched.go and
// frame*.go (outbound queues and frames), ws_*.go (upgrade, transport, the
// message reader, the locked connection) and stdio*.go (RunStdio).
//
// # Locks
//
// Seven mutexes: engine.mu, session.mu, lconn.mu, inbox.mu, sched.mu,
// wsWriter.mu and wsConn.mu. A goroutine holding one may take another
// only in this order:
//
//   - session.mu, then engine.mu, lconn.mu or sched.mu (a source
//     registers a connection under session.mu: it takes a stream id,
//     attaches the socket and queues the start message);
//   - wsWriter.mu, then sched.mu or wsConn.mu (the writer pops a batch and
//     writes it).
//
// engine.mu, lconn.mu, sched.mu and wsConn.mu are leaves: nothing is
// locked while one of them is held. inbox.mu is never held with any other
// lock. Nothing waits while a lock is held (no channel send or receive
// that can block, no socket I/O) except the WebSocket write under
// wsWriter.mu and wsConn.mu, bounded by Config.WriteTimeout (a Close frame
// by a second); that is why the WebSocket reader never takes wsWriter.mu:
// it queues and wakes the writer goroutine.
package localproxy
