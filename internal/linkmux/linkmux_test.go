package linkmux

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// pair returns both ends of a session over a real loopback TCP connection.
func pair(t *testing.T, cfg Config) (client, server *Session) {
	t.Helper()
	return pairReading(t, cfg, nil)
}

// pairReading is pair where the client reads the connection through
// wrap(conn) when wrap is not nil.
func pairReading(t *testing.T, cfg Config, wrap func(net.Conn) io.Reader) (client, server *Session) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	var r io.Reader
	if wrap != nil {
		r = wrap(cc)
	}
	client, server = Client(cc, r, cfg), Server(sc, nil, cfg)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// echoServer echoes every stream the server side accepts.
func echoServer(s *Session) {
	go func() {
		for {
			st, err := s.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(st, st)
				st.Close()
			}()
		}
	}()
}

// TestManyStreamsEcho: concurrent streams each carry their own bytes
// through and back, intact.
func TestManyStreamsEcho(t *testing.T) {
	c, s := pair(t, Config{})
	echoStreams(t, c, s, 64, 37_001)
}

// dribble returns at most 7 bytes per Read.
type dribble struct{ r io.Reader }

func (d dribble) Read(b []byte) (int, error) { return d.r.Read(b[:min(len(b), 7)]) }

// TestDribbledLink: a link whose bytes arrive a few at a time (frame
// headers and payloads cut anywhere) still carries every stream intact.
func TestDribbledLink(t *testing.T) {
	c, s := pairReading(t, Config{}, func(c net.Conn) io.Reader { return dribble{c} })
	echoStreams(t, c, s, 8, 50_021)
}

// echoStreams echoes n concurrent streams of 1 + i*step bytes (i < n)
// through c and s and checks each came back intact.
func echoStreams(t *testing.T, c, s *Session, n, step int) {
	t.Helper()
	echoServer(s)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		size := 1 + i*step // across frame and window sizes
		wg.Go(func() {
			st, err := c.Open()
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			st.SetDeadline(time.Now().Add(30 * time.Second))
			data := make([]byte, size)
			rand.Read(data)
			go func() { st.Write(data) }()
			got := make([]byte, size)
			if _, err := io.ReadFull(st, got); err != nil {
				errs <- err
				return
			}
			if sha256.Sum256(got) != sha256.Sum256(data) {
				errs <- errors.New("echoed bytes differ")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.NumStreams(); n != 0 {
		t.Errorf("%d streams left open on the client after closing all", n)
	}
}

// TestStalledReaderStopsOnlyItsStream: a stream nobody reads takes at
// most a window of bytes; another stream keeps flowing meanwhile, and the
// first resumes once read.
func TestStalledReaderStopsOnlyItsStream(t *testing.T) {
	c, s := pair(t, Config{})
	slow, err := c.Open()
	if err != nil {
		t.Fatal(err)
	}
	slowSrv, err := s.Accept()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 3*Window)
	wrote := make(chan int, 1)
	go func() { n, _ := slow.Write(data); wrote <- n }()

	echoServer(s)
	fast, err := c.Open()
	if err != nil {
		t.Fatal(err)
	}
	fast.SetDeadline(time.Now().Add(10 * time.Second))
	for i := range 50 {
		msg := []byte{byte(i), 1, 2, 3}
		if _, err := fast.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(fast, got); err != nil {
			t.Fatalf("echo %d on the other stream while one is stalled: %v", i, err)
		}
	}
	select {
	case n := <-wrote:
		t.Fatalf("write of %d bytes finished with nobody reading (window %d)", n, Window)
	default:
	}
	// The stalled stream holds its whole window, the opening one and the
	// credit granted on top, and not a byte more.
	for end := time.Now().Add(10 * time.Second); queued(slowSrv) < Window && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if q := queued(slowSrv); q != Window {
		t.Fatalf("stalled stream queued %d bytes, want its window %d", q, Window)
	}
	slowSrv.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(slowSrv, make([]byte, len(data))); err != nil {
		t.Fatalf("reading the stalled stream: %v", err)
	}
	if n := <-wrote; n != len(data) {
		t.Fatalf("stalled writer wrote %d, want %d", n, len(data))
	}
}

// queued is how many received bytes st holds unread.
func queued(st *Stream) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := -st.off
	for _, c := range st.queue {
		n += len(*c)
	}
	return n
}

// TestCloseDeliversDataThenEOF: what was written before Close arrives,
// then EOF; the closer's own reads and writes fail.
func TestCloseDeliversDataThenEOF(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	payload := bytes.Repeat([]byte("closing"), 40_000)
	if _, err := st.Write(payload); err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv, err := s.Accept()
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(srv)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes, err %v; want %d then EOF", len(got), err, len(payload))
	}
	if _, err := st.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v, want net.ErrClosed", err)
	}
	if _, err := st.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after Close: %v, want net.ErrClosed", err)
	}
	// The other side writing to a closed stream is told to stop.
	srv.SetWriteDeadline(time.Now().Add(10 * time.Second))
	var werr error
	for range 100 {
		if _, werr = srv.Write(make([]byte, MaxFrame)); werr != nil {
			break
		}
	}
	if !errors.Is(werr, ErrReset) {
		t.Errorf("writing to a stream closed at the other end: %v, want ErrReset", werr)
	}
}

// TestDeadlines: reads and writes end at their deadline with a timeout
// error, and work again once the deadline moves.
func TestDeadlines(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	st.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := st.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past deadline: %v, want a timeout", err)
	}
	st.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := st.Write(make([]byte, 2*Window)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write beyond the window past deadline: %v, want a timeout", err)
	}
	srv, _ := s.Accept()
	echoServerStream(srv)
	st.SetDeadline(time.Time{})
	st.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(st, make([]byte, Window)); err != nil {
		t.Fatalf("read after moving the deadline: %v", err)
	}
}

func echoServerStream(st *Stream) { go func() { io.Copy(st, st) }() }

// TestSessionEndResetsStreams: when the link's connection dies, every
// stream fails and no new one opens.
func TestSessionEndResetsStreams(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	s.Accept()
	s.conn.Close()
	st.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := st.Read(make([]byte, 1)); !errors.Is(err, ErrReset) {
		t.Fatalf("read on a dead link: %v, want ErrReset", err)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end with its connection")
	}
	if _, err := c.Open(); err == nil {
		t.Fatal("Open on a dead session succeeded")
	}
}

// TestProtocolErrorsEndTheSession: frames the protocol forbids end the
// session with ErrProtocol.
func TestProtocolErrorsEndTheSession(t *testing.T) {
	for name, frame := range map[string]func(*header){
		"unknown type":   func(h *header) { h.encode(typeCount, 1, 0) },
		"oversized data": func(h *header) { h.encode(typeData, 1, MaxFrame+1) },
		"stream 0":       func(h *header) { h.encode(typeOpen, 0, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			a, b := net.Pipe()
			s := Server(b, nil, Config{})
			defer s.Close()
			var h header
			frame(&h)
			go a.Write(h[:])
			go io.Copy(io.Discard, a)
			select {
			case <-s.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("session survived a forbidden frame")
			}
			if !errors.Is(s.Err(), ErrProtocol) {
				t.Fatalf("session ended with %v, want ErrProtocol", s.Err())
			}
		})
	}
}

// TestKeepAliveEndsASilentLink: a link whose other end stops answering
// ends after three keepalive periods.
func TestKeepAliveEndsASilentLink(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	go io.Copy(io.Discard, a) // swallows pings, never answers
	s := Client(b, nil, Config{KeepAlive: 20 * time.Millisecond})
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a silent link stayed up")
	}
}

// TestWriteToCopiesUntilClose: WriteTo hands everything the other side
// sent, across many frames and pauses, to a writer, and returns nil at
// the other side's Close.
func TestWriteToCopiesUntilClose(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	srv, _ := s.Accept()
	want := sha256.New()
	sent := make(chan struct{}) // the socket orders nothing the race detector sees
	go func() {
		defer close(sent)
		for i := range 40 {
			b := make([]byte, 1+i*9_973)
			rand.Read(b)
			want.Write(b)
			srv.Write(b)
			if i%10 == 0 {
				time.Sleep(5 * time.Millisecond) // WriteTo waits with nothing queued
			}
		}
		srv.Close()
	}()
	got := sha256.New()
	st.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := st.WriteTo(got)
	if err != nil {
		t.Fatalf("WriteTo: %v after %d bytes", err, n)
	}
	<-sent
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("WriteTo delivered %d bytes that differ from what was sent", n)
	}
}

// TestWriteToSocket: WriteTo into a real socket, where the read loop writes
// arriving data to the socket itself while nothing is queued, delivers
// every byte in order, also when the socket's reader is slow and part of
// the data has to wait in the queue.
func TestWriteToSocket(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	srv, _ := s.Accept()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	gotc := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			gotc <- nil
			return
		}
		defer conn.Close()
		var got bytes.Buffer
		buf := make([]byte, 7_000)
		for i := 0; ; i++ {
			n, err := conn.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				break
			}
			if i%50 == 0 {
				time.Sleep(2 * time.Millisecond) // let the socket fill up
			}
		}
		gotc <- got.Bytes()
	}()
	out, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range 300 {
			b := make([]byte, 1+(i*7_919)%(3*MaxFrame))
			rand.Read(b)
			want.Write(b)
			if _, err := srv.Write(b); err != nil {
				return
			}
		}
		srv.Close()
	}()
	st.SetReadDeadline(time.Now().Add(60 * time.Second))
	if _, err := st.WriteTo(out); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	out.Close()
	got := <-gotc
	<-sent
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("socket got %d bytes, sent %d; contents differ", len(got), want.Len())
	}
}

// TestReadPastDeadlineKeepsData: a Read after its deadline fails, as on a
// socket, even with data queued, and the data waits for the next Read.
func TestReadPastDeadlineKeepsData(t *testing.T) {
	c, s := pair(t, Config{})
	st, _ := c.Open()
	srv, _ := s.Accept()
	if _, err := srv.Write([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); queued(st) < 10 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	st.SetReadDeadline(time.Now().Add(-time.Second))
	if n, err := st.Read(make([]byte, 16)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %d, %v; want 0, deadline exceeded", n, err)
	}
	st.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, 10)
	if _, err := io.ReadFull(st, got); err != nil || string(got) != "0123456789" {
		t.Fatalf("after the deadline moved: %q, %v", got, err)
	}
}
