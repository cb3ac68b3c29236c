package localproxy

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

// deliver queues a DATA payload for the local socket; a connection whose
// application stopped reading is reset.
func (c *lconn) deliver(ctx context.Context, p []byte) {
	c.mu.Lock()
	tw := c.tw
	c.mu.Unlock()
	if tw != nil {
		// Fast path: write straight to the socket if it has room, saving a
		// copy and a goroutine handoff; what does not fit is buffered.
		p = p[c.in.direct(p, func(b []byte) int {
			n, _ := tw.Write(b, nil) // an error shows on the buffered path
			return n
		}):]
		if len(p) == 0 {
			return
		}
	}
	err := c.in.put(ctx, p, c.s.cfg.LocalWriteTimeout)
	if errors.Is(err, errStalled) {
		c.log.Warn("resetting connection: local application stopped reading", "timeout", c.s.cfg.LocalWriteTimeout)
		c.endLocal(err)
	}
}

// serve runs the connection: it dials first in destination mode, then
// reads the local socket while a second goroutine writes to it.
func (c *lconn) serve(dial func(context.Context) (net.Conn, error)) {
	defer c.s.wg.Done()
	defer c.releaseSlot()
	defer c.cancel()
	defer c.in.abort() // returns whatever is still buffered to the session budget
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	if nc == nil {
		var err error
		if nc, err = dial(c.ctx); err != nil {
			if c.ctx.Err() == nil { // not given up because of a reset
				c.log.Warn("cannot connect to destination; resetting", "err", err)
			}
			c.endLocal(err)
			return
		}
		if !c.setConn(nc) {
			if c.peerClosed() {
				nc.SetWriteDeadline(time.Now().Add(c.s.cfg.LocalWriteTimeout))
				c.writeLoop(nc) // deliver what arrived before the reset
			}
			nc.Close()
			return
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.writeLoop(nc) })
	c.readLoop(nc)
	wg.Wait()
	nc.Close()
}

// readLoop turns local reads into DATA frames, one credit at a time.
func (c *lconn) readLoop(nc net.Conn) {
	for {
		bp := dataPool.Get().(*[]byte)
		n, err := nc.Read((*bp)[payloadOff : payloadOff+wire.MaxPayload])
		if n > 0 {
			select {
			case c.out.credit <- struct{}{}:
			case <-c.ctx.Done():
				dataPool.Put(bp)
				return
			}
			f := dataFrame(bp, n, c.streamID, c.wireSvc, c.wireConn)
			f.credit = true
			if !c.s.sched.push(c.out, f) {
				return
			}
			c.s.flush()
		} else {
			dataPool.Put(bp)
		}
		if err != nil {
			c.endLocal(err)
			return
		}
	}
}

// writeLoop drains the inbox into the local socket, all pending chunks
// with one writev.
func (c *lconn) writeLoop(nc net.Conn) {
	var chunks []*[]byte
	var bufs net.Buffers
	for {
		var st int
		chunks, st = c.in.take(chunks[:0])
		if len(chunks) > 0 {
			bufs = bufs[:0]
			for _, b := range chunks {
				bufs = append(bufs, *b)
			}
			wb := bufs
			_, err := wb.WriteTo(nc)
			clear(bufs)
			c.in.written()
			release(chunks)
			clear(chunks)
			if err != nil {
				c.endLocal(err)
				return
			}
			continue
		}
		switch st {
		case inboxFinishing:
			nc.Close() // delivered everything the peer sent before its reset
			return
		case inboxAborted:
			return
		}
		select {
		case <-c.in.ready:
		case <-c.ctx.Done():
			return
		}
	}
}
