package localproxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// stdioRun is a RunStdio in the background with a pipe for its input.
type stdioRun struct {
	in   *io.PipeWriter
	out  *looptest.SyncBuffer
	done chan error
}

func startStdio(t *testing.T, rr *realRelay, service string) *stdioRun {
	t.Helper()
	pr, pw := io.Pipe()
	r := &stdioRun{in: pw, out: &looptest.SyncBuffer{}, done: make(chan error, 1)}
	cfg := rr.cfg(tunnel.ModeSource)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- localproxy.RunStdio(ctx, cfg, service, pr, r.out) }()
	t.Cleanup(func() {
		cancel()
		pw.Close() // ends the input copy left reading
		select {
		case <-r.done:
		case <-time.After(waitFor):
		}
	})
	return r
}

func (r *stdioRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(waitFor):
		t.Fatalf("RunStdio did not return within %v; output %q", waitFor, r.out.String())
	}
	return nil
}

// lineServer answers one line with "you said: <line>" and closes.
func lineServer(t *testing.T) net.Listener {
	return tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		defer c.Close()
		io.WriteString(c, "hello\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return
		}
		io.WriteString(c, "you said: "+line)
	})
}

// The service closes the connection after answering: RunStdio writes
// everything it sent and returns nil. The tunnel's second service is left
// alone.
func TestStdioServiceEndsStream(t *testing.T) {
	rr := newRealRelay(t, "LINE", "OTHER")
	ln := lineServer(t)
	d := startProxy(t, rr.cfg(tunnel.ModeDestination, svc("LINE", ln.Addr().String()), svc("OTHER", ln.Addr().String())))
	d.waitConnected(t)
	r := startStdio(t, rr, "LINE")
	if _, err := io.WriteString(r.in, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("RunStdio = %v, want nil after the service closed the connection", err)
	}
	if got, want := r.out.String(), "hello\nyou said: ping\n"; got != want {
		t.Fatalf("stdout = %q, want %q", got, want)
	}
}

// EOF on stdin ends the connection (no half-close): the service sees its
// connection closed and RunStdio returns nil.
func TestStdioInputEOFEndsStream(t *testing.T) {
	rr := newRealRelay(t, "ECHO")
	closed := make(chan struct{})
	ln := tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		io.Copy(c, c)
		close(closed)
	})
	d := startProxy(t, rr.cfg(tunnel.ModeDestination, svc("ECHO", ln.Addr().String())))
	d.waitConnected(t)
	r := startStdio(t, rr, "ECHO")
	io.WriteString(r.in, "abc")
	r.in.Close()
	if err := r.wait(t); err != nil {
		t.Fatalf("RunStdio = %v, want nil after stdin ended", err)
	}
	select {
	case <-closed:
	case <-time.After(waitFor):
		t.Fatal("the service's connection was not closed after stdin ended")
	}
}

// A service the tunnel does not have is a *ServiceMismatchError naming it.
func TestStdioUnknownService(t *testing.T) {
	rr := newRealRelay(t, "SSH")
	r := startStdio(t, rr, "VNC")
	err := r.wait(t)
	var me *localproxy.ServiceMismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), `"VNC"`) {
		t.Fatalf("RunStdio(VNC) on an SSH tunnel = %v, want a ServiceMismatchError naming VNC", err)
	}
}

// Losing the relay connection mid-stream is ErrStreamInterrupted, not a
// normal end.
func TestStdioRelayLostMidStream(t *testing.T) {
	rr := newRealRelay(t, "ECHO")
	ln := echoServer(t, "ready\n")
	d := startProxy(t, rr.cfg(tunnel.ModeDestination, svc("ECHO", ln.Addr().String())))
	d.waitConnected(t)
	r := startStdio(t, rr, "ECHO")
	io.WriteString(r.in, "x\n")
	deadline := time.Now().Add(waitFor)
	for r.out.String() != "ready\nx\n" {
		if time.Now().After(deadline) {
			t.Fatalf("no echo through the tunnel; stdout %q", r.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	rr.cutAll()
	if err := r.wait(t); !errors.Is(err, localproxy.ErrStreamInterrupted) {
		t.Fatalf("RunStdio after the relay connection was cut = %v, want ErrStreamInterrupted", err)
	}
}

func TestStdioInvalidService(t *testing.T) {
	err := localproxy.RunStdio(context.Background(), localproxy.Config{}, "no spaces", strings.NewReader(""), io.Discard)
	if !errors.Is(err, localproxy.ErrInvalidConfig) {
		t.Fatalf("RunStdio(%q) = %v, want ErrInvalidConfig", "no spaces", err)
	}
}
