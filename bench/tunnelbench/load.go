package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The server's protocol: the client sends one command byte.
//
//	'E'            echo everything back until EOF
//	'D' + uint32   download: the server writes for that many milliseconds
//	               (capped at 60 s), then closes
//	'C'            the server writes one byte and closes (connection rate)
//	'U'            upload: the server reads and discards until EOF
const (
	cmdEcho     = 'E'
	cmdDownload = 'D'
	cmdConnect  = 'C'
	cmdUpload   = 'U'
	maxDownload = 60 * time.Second
)

// cmdServer runs the sink/echo server until killed. It prints its address.
func cmdServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	os.Stdout.Sync()
	serve(ln, handle)
	return nil
}

// serve runs handle on every connection ln accepts until ln is closed.
func serve(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and the like
			continue
		}
		go handle(c)
	}
}

var bigBuf = make([]byte, 256<<10)

func handle(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var cmd [1]byte
	if _, err := io.ReadFull(c, cmd[:]); err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	switch cmd[0] {
	case cmdEcho:
		pump(c, c)
	case cmdDownload:
		var d [4]byte
		if _, err := io.ReadFull(c, d[:]); err != nil {
			return
		}
		dur := min(time.Duration(binary.BigEndian.Uint32(d[:]))*time.Millisecond, maxDownload)
		end := time.Now().Add(dur)
		c.SetWriteDeadline(end.Add(5 * time.Second))
		for time.Now().Before(end) {
			if _, err := c.Write(bigBuf); err != nil {
				return
			}
		}
	case cmdConnect:
		c.Write([]byte{'k'})
	case cmdUpload:
		c.SetReadDeadline(time.Now().Add(maxDownload))
		io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
	}
}

// tputResult is what transfer measured.
type tputResult struct {
	Streams int                `json:"streams"`
	Bps     float64            `json:"bps"`
	Bytes   int64              `json:"bytes"`
	Seconds float64            `json:"seconds"`
	Idle    int                `json:"idle_streams"` // streams that received nothing in the window
	Err     string             `json:"error,omitempty"`
	CPU     map[string]float64 `json:"cpu,omitempty"` // process CPU, cores, over the window
}

// transfer downloads through n parallel connections to addr and returns
// the bits per second received after warmup, over measure; with up it
// goes the other way: each connection writes to the server as fast as it
// takes the bytes, and what was written counts (in a steady flow what
// sits in buffers is the same at both ends of the window).
func transfer(addr string, n int, warmup, measure time.Duration, up bool) tputResult {
	res := tputResult{Streams: n}
	total := warmup + measure + 2*time.Second
	counts := make([]atomic.Int64, n)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var hdr [5]byte
	hdr[0] = cmdDownload
	binary.BigEndian.PutUint32(hdr[1:], uint32(total/time.Millisecond))
	cmd := hdr[:]
	if up {
		cmd = []byte{cmdUpload}
	}
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		conns = append(conns, c)
		if _, err := c.Write(cmd); err != nil {
			res.Err = err.Error()
			return res
		}
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			c.SetDeadline(time.Now().Add(total + 5*time.Second))
			for {
				var k int
				var err error
				if up {
					k, err = c.Write(buf)
				} else {
					k, err = c.Read(buf)
				}
				counts[i].Add(int64(k))
				if err != nil {
					return
				}
			}
		}()
	}
	sum := func() (s int64, per []int64) {
		for i := range counts {
			v := counts[i].Load()
			s += v
			per = append(per, v)
		}
		return
	}
	time.Sleep(warmup)
	b1, per1 := sum()
	t1 := time.Now()
	time.Sleep(measure)
	b2, per2 := sum()
	el := time.Since(t1)
	for i := range per1 {
		if per2[i] == per1[i] {
			res.Idle++
		}
	}
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	conns = nil
	res.Bytes = b2 - b1
	res.Seconds = el.Seconds()
	res.Bps = float64(res.Bytes*8) / el.Seconds()
	return res
}

// latResult is a round-trip latency distribution.
type latResult struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_us"`
	P90 float64 `json:"p90_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
	Err string  `json:"error,omitempty"`
}

func quantiles(lat []time.Duration) latResult {
	slices.Sort(lat)
	us := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(q*float64(len(lat)-1))]) / 1e3
	}
	return latResult{N: len(lat), P50: us(0.5), P90: us(0.9), P99: us(0.99), Max: us(1)}
}

// latency does up to count 64-byte request/responses on one connection,
// for at most d, after a few warmup round trips.
func latency(addr string, count int, d time.Duration) latResult {
	lat, err := latencySamples(addr, count, d)
	if err != nil {
		return latResult{Err: err.Error()}
	}
	return quantiles(lat)
}

// latencySamples returns the round trips latency measures.
func latencySamples(addr string, count int, d time.Duration) ([]time.Duration, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(d + 10*time.Second))
	if _, err := c.Write([]byte{cmdEcho}); err != nil {
		return nil, err
	}
	req := make([]byte, 64)
	resp := make([]byte, 64)
	lat := make([]time.Duration, 0, count)
	end := time.Now().Add(d)
	for i := 0; i < count+100 && time.Now().Before(end); i++ {
		t0 := time.Now()
		if _, err := c.Write(req); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			return nil, err
		}
		if i >= 100 { // warmup
			lat = append(lat, time.Since(t0))
		}
	}
	return lat, nil
}

// connResult is the new-connection rate.
type connResult struct {
	Workers int     `json:"workers"`
	OK      int     `json:"ok"`
	Errors  int     `json:"errors"`
	PerSec  float64 `json:"per_sec"`
	P50     float64 `json:"p50_us"`
	P99     float64 `json:"p99_us"`
	Err     string  `json:"error,omitempty"`
}

// connRate opens connections with workers in parallel, each carrying a
// one-byte reply from the server end to end, up to count or for d.
func connRate(addr string, workers, count int, d time.Duration) connResult {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		errs  int
		left  atomic.Int64
		first string
	)
	left.Store(int64(count))
	end := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var my []time.Duration
			bad := 0
			var firstErr error
			for time.Now().Before(end) && left.Add(-1) >= 0 {
				t0 := time.Now()
				err := oneConn(addr)
				if err != nil {
					bad++
					if firstErr == nil {
						firstErr = err
					}
					if bad > 100 {
						break
					}
					continue
				}
				my = append(my, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, my...)
			errs += bad
			if firstErr != nil && first == "" {
				first = firstErr.Error()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	q := quantiles(lat)
	return connResult{Workers: workers, OK: len(lat), Errors: errs, PerSec: float64(len(lat)) / el.Seconds(), P50: q.P50, P99: q.P99, Err: first}
}

func oneConn(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte{cmdConnect}); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return err
	}
	return nil
}
