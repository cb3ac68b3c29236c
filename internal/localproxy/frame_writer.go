package localproxy

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"net"
	"time"
)

// Writer batching limits: frames and bytes per writev.
const (
	maxBatchFrames = 64
	maxBatchBytes  = 512 << 10
	coalesceBelow  = 4 << 10 // frames smaller than this are copied together
)

// frameWriter masks frames and writes them in batches. It is owned by the
// session writer goroutine.
type frameWriter struct {
	wc      *wsConn
	timeout time.Duration
	rng     *mrand.ChaCha8
	bufs    net.Buffers
	out     net.Buffers // what writeBuffers consumes
	scratch []byte      // small frames copied together
	batch   []frame     // frames being written
}

func newFrameWriter(wc *wsConn, timeout time.Duration) *frameWriter {
	var seed [32]byte
	rand.Read(seed[:])
	return &frameWriter{wc: wc, timeout: timeout, rng: mrand.NewChaCha8(seed),
		scratch: make([]byte, 0, 64<<10), batch: make([]frame, 0, maxBatchFrames)}
}

// write sends the frames of batch with one writeBuffers call.
func (w *frameWriter) write(batch []frame) error {
	w.bufs = w.bufs[:0]
	w.scratch = w.scratch[:0]
	start := 0 // start of the scratch region not yet in bufs
	for i := range batch {
		b := maskFrame(&batch[i], uint32(w.rng.Uint64()))
		if len(b) < coalesceBelow && len(w.scratch)+len(b) <= cap(w.scratch) {
			w.scratch = append(w.scratch, b...)
			continue
		}
		if start < len(w.scratch) {
			w.bufs = append(w.bufs, w.scratch[start:])
			start = len(w.scratch)
		}
		w.bufs = append(w.bufs, b)
	}
	if start < len(w.scratch) {
		w.bufs = append(w.bufs, w.scratch[start:])
	}
	// Writing consumes the slice it is given; w.out is that copy of bufs,
	// a field so that passing its address allocates nothing.
	w.out = w.bufs
	err := w.wc.writeBuffers(&w.out, w.timeout)
	w.out = nil
	clear(w.bufs)
	return err
}
