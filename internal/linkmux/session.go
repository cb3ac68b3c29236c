package linkmux

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/trywrite"
)

// Config tunes a session; zero fields take the defaults.
type Config struct {
	// KeepAlive is the period of pings; a session that receives nothing
	// for three periods ends (default 5 s).
	KeepAlive time.Duration
	// WriteTimeout bounds one frame's write to the connection; a link
	// that cannot take a frame in that time is dead (default 10 s; checked
	// every KeepAlive, so the link ends within the sum of both).
	WriteTimeout time.Duration
	// Backlog is how many opened streams may wait for Accept; more are
	// reset (default 1024).
	Backlog int
}

// ErrClosed is returned by the operations of a closed session.
var ErrClosed = errors.New("linkmux: session closed")

// Session is one end of a link.
type Session struct {
	conn   net.Conn
	cfg    Config
	dialer bool // opens streams

	wmu  sync.Mutex // one frame at a time on conn
	wbuf net.Buffers
	whdr header
	dhdr [maxBatch]header // writeData's headers
	tw   *trywrite.Writer // non-blocking writes to conn; nil unless a plain socket

	mu      sync.Mutex
	streams map[uint32]*Stream
	nextID  uint32 // last stream opened (dialling side)
	err     error  // why the session ended

	accept   chan *Stream
	done     chan struct{}
	lastRecv atomic.Int64 // Unix ns of the last frame received
	writing  atomic.Int64 // Unix ns when the frame being written started; 0: none
}

// Client starts the dialling side of a session on conn; r, when not nil,
// reads conn (it may hold bytes already read from it).
func Client(conn net.Conn, r io.Reader, cfg Config) *Session { return start(conn, r, cfg, true) }

// Server starts the accepting side of a session on conn.
func Server(conn net.Conn, r io.Reader, cfg Config) *Session { return start(conn, r, cfg, false) }

func start(conn net.Conn, r io.Reader, cfg Config, dialer bool) *Session {
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 5 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = 1024
	}
	if r == nil {
		r = conn
	}
	s := &Session{conn: conn, cfg: cfg, dialer: dialer, streams: map[uint32]*Stream{},
		done: make(chan struct{}), tw: trywrite.NewWriter(conn)}
	if !dialer {
		s.accept = make(chan *Stream, cfg.Backlog)
	}
	s.lastRecv.Store(time.Now().UnixNano())
	go s.readLoop(newInbuf(r))
	go s.keepAlive()
	return s
}

// Open starts a new stream (dialling side only).
func (s *Session) Open() (*Stream, error) {
	if !s.dialer {
		return nil, errors.New("linkmux: only the dialling side opens streams")
	}
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, err
	}
	s.nextID++
	st := newStream(s, s.nextID)
	s.streams[st.id] = st
	s.mu.Unlock()
	if err := s.writeFrame(typeOpen, st.id, 0); err != nil {
		return nil, err
	}
	if err := s.writeFrame(typeCredit, st.id, Window-openWindow); err != nil {
		return nil, err
	}
	return st, nil
}

// Accept returns the next stream the other side opened.
func (s *Session) Accept() (*Stream, error) {
	select {
	case st := <-s.accept:
		return st, nil
	case <-s.done:
		return nil, s.Err()
	}
}

// Done is closed when the session ends.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended, nil while it runs.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// NumStreams is how many streams are open.
func (s *Session) NumStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// Close ends the session and every stream on it.
func (s *Session) Close() error {
	s.fail(ErrClosed)
	return nil
}

// fail ends the session with err (the first one counts).
func (s *Session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	streams := s.streams
	s.streams = map[uint32]*Stream{}
	s.mu.Unlock()
	close(s.done)
	s.conn.Close()
	for _, st := range streams {
		st.broken()
	}
}

// writeFrame writes one frame without payload (every type but DATA); a
// failed write ends the session.
func (s *Session) writeFrame(typ byte, id, length uint32) error {
	return s.writeFrame2(typ, id, length, nil, nil)
}

// writeFrame2 writes one frame whose payload is a then b, header and
// payload in one writev.
func (s *Session) writeFrame2(typ byte, id, length uint32, a, b []byte) error {
	s.wmu.Lock()
	s.whdr.encode(typ, id, length)
	s.wbuf = append(s.wbuf[:0], s.whdr[:])
	if len(a) > 0 {
		s.wbuf = append(s.wbuf, a)
	}
	if len(b) > 0 {
		s.wbuf = append(s.wbuf, b)
	}
	return s.flushLocked()
}

// maxBatch is how many DATA frames one writeData call sends at most.
const maxBatch = 4

// writeData writes b, at most maxBatch*MaxFrame bytes, as DATA frames of
// stream id, all in one writev.
func (s *Session) writeData(id uint32, b []byte) error {
	s.wmu.Lock()
	s.wbuf = s.wbuf[:0]
	for i := 0; len(b) > 0 && i < maxBatch; i++ {
		n := min(len(b), MaxFrame)
		s.dhdr[i].encode(typeData, id, uint32(n))
		s.wbuf = append(s.wbuf, s.dhdr[i][:], b[:n])
		b = b[n:]
	}
	return s.flushLocked()
}

// flushLocked writes what the caller, holding wmu, put in wbuf, releases
// wmu, and ends the session if the write failed.
func (s *Session) flushLocked() error {
	s.writing.Store(time.Now().UnixNano())
	_, err := s.wbuf.WriteTo(s.conn)
	s.wbuf = s.wbuf[:0]
	s.writing.Store(0)
	s.wmu.Unlock()
	if err != nil {
		s.fail(fmt.Errorf("linkmux: write: %w", err))
		return s.Err()
	}
	return nil
}

// writeAsync writes a control frame without making the caller wait (the
// read loop must never block on a write): at once when the link is free
// and its socket takes the frame without waiting, else from a goroutine.
func (s *Session) writeAsync(typ byte, id, length uint32) {
	if s.tw == nil || !s.wmu.TryLock() {
		go s.writeFrame(typ, id, length)
		return
	}
	s.whdr.encode(typ, id, length)
	n, err := s.tw.Write(s.whdr[:], nil)
	switch {
	case err != nil:
		s.wmu.Unlock()
		s.fail(fmt.Errorf("linkmux: write: %w", err))
	case n == headerSize:
		s.wmu.Unlock()
	case n == 0:
		s.wmu.Unlock()
		go s.writeFrame(typ, id, length)
	default:
		// Part of the header went out: the rest must follow before any
		// other frame, so the goroutine finishing it keeps the lock.
		rest := append([]byte(nil), s.whdr[n:]...)
		go func() {
			s.writing.Store(time.Now().UnixNano())
			_, err := s.conn.Write(rest)
			s.writing.Store(0)
			s.wmu.Unlock()
			if err != nil {
				s.fail(fmt.Errorf("linkmux: write: %w", err))
			}
		}()
	}
}

// keepAlive pings every period and ends a session that heard nothing for
// three periods.
func (s *Session) keepAlive() {
	t := time.NewTicker(s.cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, s.lastRecv.Load())) > 3*s.cfg.KeepAlive {
			s.fail(errors.New("linkmux: link silent, keepalive expired"))
			return
		}
		if w := s.writing.Load(); w != 0 && time.Since(time.Unix(0, w)) > s.cfg.WriteTimeout {
			s.fail(errors.New("linkmux: link stuck, a write took longer than the write timeout"))
			return
		}
		s.writeAsync(typePing, 0, 0)
	}
}

// readLoop reads and dispatches frames until the connection fails.
func (s *Session) readLoop(in *inbuf) {
	var h header
	var payloads [][]byte
	for {
		hb, err := in.next(headerSize)
		if err != nil {
			s.fail(fmt.Errorf("linkmux: read: %w", err))
			return
		}
		copy(h[:], hb)
		s.lastRecv.Store(time.Now().UnixNano())
		if err := h.check(); err != nil {
			s.fail(err)
			return
		}
		payloads = payloads[:0]
		if h.typ() == typeData {
			p, err := in.next(int(h.length()))
			if err != nil {
				s.fail(fmt.Errorf("linkmux: read: %w", err))
				return
			}
			// Further DATA of the same stream already buffered goes along,
			// so that it reaches the stream's socket in one write.
			for payloads = append(payloads, p); len(payloads) < trywrite.MaxBuffers; {
				if p = in.nextData(h.id()); p == nil {
					break
				}
				payloads = append(payloads, p)
			}
		}
		if err := s.dispatch(&h, payloads); err != nil {
			s.fail(err)
			return
		}
	}
}

// dispatch acts on one frame, or for DATA on the payloads of one or more
// consecutive frames of one stream: views of the read buffer, valid only
// until dispatch returns.
func (s *Session) dispatch(h *header, payloads [][]byte) error {
	switch h.typ() {
	case typePing:
		s.writeAsync(typePong, 0, h.length())
		return nil
	case typePong:
		return nil
	case typeOpen:
		return s.opened(h.id())
	}
	s.mu.Lock()
	st := s.streams[h.id()]
	s.mu.Unlock()
	if st == nil {
		// Closed here already: tell a sender of data to stop.
		if h.typ() == typeData {
			s.writeAsync(typeReset, h.id(), 0)
		}
		return nil
	}
	switch h.typ() {
	case typeData:
		return st.received(payloads)
	case typeCredit:
		st.credited(int(h.length()))
	case typeClose:
		st.remoteClosed()
	case typeReset:
		s.forget(st.id)
		st.broken()
	}
	return nil
}

// opened registers a stream the dialling side opened.
func (s *Session) opened(id uint32) error {
	if s.dialer {
		return fmt.Errorf("%w: OPEN sent to the dialling side", ErrProtocol)
	}
	s.mu.Lock()
	if s.streams[id] != nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: stream %d opened twice", ErrProtocol, id)
	}
	st := newStream(s, id)
	s.streams[id] = st
	s.mu.Unlock()
	select {
	case s.accept <- st:
		s.writeAsync(typeCredit, id, Window-openWindow)
	default:
		s.forget(id)
		s.writeAsync(typeReset, id, 0)
	}
	return nil
}

// forget removes stream id from the session.
func (s *Session) forget(id uint32) {
	s.mu.Lock()
	delete(s.streams, id)
	s.mu.Unlock()
}
