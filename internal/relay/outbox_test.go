package relay

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
	"github.com/adit-project/adit/internal/trywrite"
)

// outboxPair returns an outbox writing to one end of a loopback TCP
// connection with small socket buffers, and the other end.
func outboxPair(t *testing.T) (*outbox, *net.TCPConn, chan error) {
	t.Helper()
	tc, ts := looptest.TCPPair(t)
	// Small, but not below two loopback segments (64 KiB each): a smaller
	// receive buffer leaves TCP waiting on its persist timer.
	tc.SetWriteBuffer(16 << 10)
	ts.SetReadBuffer(160 << 10)
	errs := make(chan error, 4)
	o := &outbox{conn: tc, tw: trywrite.NewWriter(tc), writeTimeout: ioTimeout,
		onWriteError: func(err error) {
			select { // the first errors are kept; the writer never waits for the test
			case errs <- err:
			default:
			}
		}}
	t.Cleanup(func() {
		tc.Close()
		o.wait()
	})
	return o, ts, errs
}

// serverFrame reads one unmasked server frame.
func serverFrame(r *bufio.Reader) (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if h[1]&0x80 != 0 {
		return 0, nil, fmt.Errorf("server frame is masked")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	if err != nil {
		return 0, nil, err
	}
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("frame length %d: stream is corrupt", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return h[0] & 0x0f, payload, err
}

// seqPayload is payload number i of a sender: its number, then a pattern
// that depends on it, size bytes in all.
func seqPayload(i, size int) []byte {
	p := make([]byte, max(size, 4))
	binary.BigEndian.PutUint32(p, uint32(i))
	for j := 4; j < len(p); j++ {
		p[j] = byte(i + j)
	}
	return p
}

func checkSeqPayload(p []byte, want int) error {
	if len(p) < 4 || int(binary.BigEndian.Uint32(p)) != want {
		return fmt.Errorf("got message %d bytes starting %x, want number %d", len(p), p[:min(len(p), 4)], want)
	}
	for j := 4; j < len(p); j++ {
		if p[j] != byte(want+j) {
			return fmt.Errorf("message %d corrupt at byte %d", want, j)
		}
	}
	return nil
}

// With nothing queued, a sender writes its frame itself: no writer
// goroutine starts and nothing stays queued.
func TestOutboxDirectWrite(t *testing.T) {
	o, s, _ := outboxPair(t)
	if err := o.push(opBinary, seqPayload(7, 64), nil, false, false); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	running, queued := o.running, o.buf != nil
	o.mu.Unlock()
	if running || queued {
		t.Fatalf("after a direct write: writer running %v, frames queued %v", running, queued)
	}
	s.SetReadDeadline(time.Now().Add(ioTimeout))
	op, p, err := serverFrame(bufio.NewReader(s))
	if err != nil || op != opBinary {
		t.Fatalf("frame: op %x, %v", op, err)
	}
	if err := checkSeqPayload(p, 7); err != nil {
		t.Fatal(err)
	}
}

// Two senders push frames of many sizes to a receiver that starts late and
// reads slowly, so direct writes, partial direct writes, queued frames and
// waits for space all happen; every frame arrives whole and each sender's
// frames arrive in order.
func TestOutboxOrderUnderPressure(t *testing.T) {
	o, s, errs := outboxPair(t)
	const perSender = 200
	var wg sync.WaitGroup
	for _, op := range []byte{opBinary, opPong} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perSender {
				size := 1 + (i*7919)%60000
				if op == opPong {
					size = 4 + i%120 // control frames stay under 126 bytes
				}
				if err := o.push(op, seqPayload(i, size), nil, false, i%3 == 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // let the socket and the queue fill
	s.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(s, 4096)
	next := map[byte]int{}
	for next[opBinary] < perSender || next[opPong] < perSender {
		op, p, err := serverFrame(r)
		if err != nil {
			t.Fatalf("after %v frames: %v", next, err)
		}
		if err := checkSeqPayload(p, next[op]); err != nil {
			t.Fatalf("opcode %x: %v", op, err)
		}
		next[op]++
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// A frame the socket took only part of is finished before the Close frame
// even though closing drops everything queued behind it.
func TestOutboxCloseFinishesTornFrame(t *testing.T) {
	// A torn frame needs a direct write the socket took only part of. If
	// one write happens to fill the socket exactly, the next frame is
	// queued whole behind a running writer and this pair can no longer
	// tear one: start over on a new pair (bounded).
	var o *outbox
	var s *net.TCPConn
	torn, pushed := false, 0
	for attempt := 0; attempt < 5 && !torn; attempt++ {
		var errs chan error
		o, s, errs = outboxPair(t)
		pushed = 0
		for i := 0; i < 200; i++ {
			if err := o.push(opBinary, seqPayload(i, 60000), nil, false, false); err != nil {
				t.Fatal(err)
			}
			pushed++
			o.mu.Lock()
			torn = o.torn > 0
			queuedWhole := !torn && o.running && o.buf != nil
			o.mu.Unlock()
			if torn || queuedWhole {
				break
			}
			select {
			case err := <-errs:
				t.Fatalf("write failed after %d frames (nothing reads yet): %v", i+1, err)
			default:
			}
		}
	}
	if !torn {
		t.Fatal("no direct write was partial in 5 attempts; the socket buffers are too large for this test")
	}
	// Queued behind the torn frame's rest: close drops it, unless the
	// socket took that rest meanwhile (its buffer can still grow) and a
	// writer already sent this one too. Either way the torn frame is
	// finished before the Close frame.
	o.push(opBinary, seqPayload(pushed, 100), nil, true, false)
	o.close(reasonTunnelClosed, time.Now().Add(ioTimeout))
	s.SetReadDeadline(time.Now().Add(ioTimeout))
	r := bufio.NewReader(s)
	for i := 0; ; i++ {
		op, p, err := serverFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if op == opClose {
			if i != pushed && i != pushed+1 {
				t.Fatalf("Close frame after %d frames; want %d (or %d with the frame queued behind)", i, pushed, pushed+1)
			}
			if code := binary.BigEndian.Uint16(p); code != codeNormal {
				t.Fatalf("close code %d", code)
			}
			return
		}
		if err := checkSeqPayload(p, i); err != nil {
			t.Fatal(err)
		}
	}
}
