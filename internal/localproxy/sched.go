package localproxy

import "sync"

// outq is one sender's FIFO of frames waiting for the WebSocket writer:
// one per local connection, plus one per session for messages that belong
// to no connection. Order within a queue is preserved, which keeps a
// connection's STREAM_START, DATA and reset in order.
type outq struct {
	frames []frame       // guarded by sched.mu
	queued bool          // q is in sched.ring; guarded by sched.mu
	credit chan struct{} // capacity 1: a DATA frame of this queue is pending
}

func newOutq() *outq { return &outq{credit: make(chan struct{}, 1)} }

// sched hands frames from many queues to the single writer, one frame per
// queue per round (round robin), so a busy connection cannot starve the
// others. Its size is bounded by the credits: one DATA frame per queue.
type sched struct {
	mu     sync.Mutex
	ring   []*outq // queues with frames, round-robin order from head; guarded by mu
	head   int     // index of the next queue in ring; guarded by mu
	closed bool    // guarded by mu
	wake   chan struct{}
}

func newSched() *sched { return &sched{wake: make(chan struct{}, 1)} }

// push appends f to q; the caller then flushes or wakes the writer. After
// close it frees f and returns false.
func (s *sched) push(q *outq, f frame) bool {
	f.q = q
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		f.free()
		return false
	}
	q.frames = append(q.frames, f)
	if !q.queued {
		q.queued = true
		s.ring = append(s.ring, q)
	}
	s.mu.Unlock()
	return true
}

// pending reports whether frames may be queued.
func (s *sched) pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head < len(s.ring)
}

// pop appends to dst up to maxFrames frames totalling about maxBytes,
// taking one frame from each queue in turn.
func (s *sched) pop(dst []frame, maxFrames, maxBytes int) []frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	size := 0
	for s.head < len(s.ring) && len(dst) < maxFrames && size < maxBytes {
		q := s.ring[s.head]
		s.ring[s.head] = nil
		s.head++
		if len(q.frames) == 0 {
			q.queued = false
			continue
		}
		f := q.frames[0]
		n := copy(q.frames, q.frames[1:])
		q.frames[n] = frame{}
		q.frames = q.frames[:n]
		if n == 0 {
			q.queued = false
		} else {
			s.ring = append(s.ring, q)
		}
		dst = append(dst, f)
		size += f.end - f.off
	}
	if s.head == len(s.ring) {
		s.ring, s.head = s.ring[:0], 0
	} else if s.head > 64 && s.head*2 > len(s.ring) {
		n := copy(s.ring, s.ring[s.head:])
		clear(s.ring[n:])
		s.ring, s.head = s.ring[:n], 0
	}
	return dst
}

// drop discards q's pending frames (the peer no longer wants them).
func (s *sched) drop(q *outq) {
	s.mu.Lock()
	fs := q.frames
	q.frames = nil // q stays in the ring until pop skips it
	s.mu.Unlock()
	for i := range fs {
		fs[i].free()
	}
}

// close discards every pending frame; later pushes fail.
func (s *sched) close() {
	s.mu.Lock()
	s.closed = true
	ring := s.ring[s.head:]
	s.ring, s.head = nil, 0
	var fs []frame
	for _, q := range ring {
		fs = append(fs, q.frames...)
		q.frames, q.queued = nil, false
	}
	s.mu.Unlock()
	for i := range fs {
		fs[i].free()
	}
}
