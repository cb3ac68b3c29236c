package localproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	"github.com/adit-project/adit/internal/tunnel"
)

// ErrStreamInterrupted means the connection to the tunnel was lost (or the
// tunnel closed) while RunStdio was carrying its connection.
var ErrStreamInterrupted = errors.New("the tunnel connection ended before the stream did")

// errClosedBeforeStart is a tunnel closed before the connection started.
var errClosedBeforeStart = errors.New("the tunnel was closed before the connection started")

// stdioConnectAttempts bounds failed connection attempts in a row for
// RunStdio when Config.MaxConnectAttempts is zero: a ProxyCommand that
// waits forever helps nobody.
const stdioConnectAttempts = 3

// RunStdio is a source proxy that carries exactly one connection of the
// tunnel service serviceID over in (towards the destination) and out (from
// it), for OpenSSH's ProxyCommand. cfg is a source configuration; its Mode,
// Services and FallbackServices are replaced. Other services of the tunnel
// are left unused.
//
// It returns nil when the stream ends normally: the destination closes the
// connection (its service ended it) after everything it sent has been
// written to out, or in reaches EOF. The tunnel protocol has no half-close,
// so EOF on in ends the whole connection. It returns ctx.Err() when ctx
// ends; ErrStreamInterrupted when the connection to the relay is lost or
// the tunnel is closed mid-stream; a *ServiceMismatchError when the tunnel
// does not have serviceID; a write error on out; or Run's fatal errors
// (*HandshakeError, ErrRetriesExhausted after 3 failed attempts unless
// cfg.MaxConnectAttempts says otherwise, errors wrapping ErrInvalidConfig).
// A Read on in that is blocked when RunStdio returns is left to finish on
// its own.
func RunStdio(ctx context.Context, cfg Config, serviceID string, in io.Reader, out io.Writer) error {
	if !ValidServiceID(serviceID) {
		return configErrorf("service id %q must match ^[a-zA-Z0-9_-]+$ and have at most %d characters", serviceID, MaxServiceIDLen)
	}
	cfg.Mode = tunnel.ModeSource
	cfg.Services = nil
	cfg.FallbackServices = []Service{{ID: serviceID, Addr: "127.0.0.1:0"}}
	if cfg.MaxConnectAttempts == 0 {
		cfg.MaxConnectAttempts = stdioConnectAttempts
	}
	st := &stdio{serviceID: serviceID, accepted: make(chan net.Conn, 1), failed: make(chan error, 1)}
	userHook := cfg.OnConnected
	cfg.OnConnected = func(ids []string) {
		if !slices.Contains(ids, serviceID) {
			st.fail(&ServiceMismatchError{Tunnel: ids, Detail: fmt.Sprintf("service id %q is not in the tunnel", serviceID)})
		}
		if userHook != nil {
			userHook(ids)
		}
	}
	e, err := newEngine(cfg)
	if err != nil {
		return err
	}
	st.e = e
	e.listenHook = st.listen
	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	runErr := make(chan error, 1)
	go func() {
		err := e.loop(ctx)
		e.stopListeners()
		runErr <- err
	}()
	select {
	case err := <-runErr:
		if err == nil {
			err = errClosedBeforeStart
		}
		return err
	case err := <-st.failed:
		cancel()
		<-runErr
		if parent.Err() != nil {
			return parent.Err()
		}
		return err
	case c := <-st.accepted:
		err := st.pump(c, in, out)
		// A session that ended took the connection with it (the session
		// is withdrawn before its connections are closed).
		lost := e.current() != st.session
		cancel()
		<-runErr
		switch {
		case parent.Err() != nil:
			return parent.Err()
		case err != nil:
			return err
		case lost:
			return ErrStreamInterrupted
		}
		return nil
	}
}

// stdio is the state of one RunStdio.
type stdio struct {
	serviceID string
	e         *engine
	accepted  chan net.Conn // our end of the connection the engine took
	failed    chan error    // a fatal problem found by a hook
	session   *session      // the session that took the connection; set before accepted is sent
}

// fail reports err once; later reports are dropped.
func (st *stdio) fail(err error) {
	select {
	case st.failed <- err:
	default:
	}
}

// listen gives the engine, for serviceID, a listener that yields one
// connection (the other end of which RunStdio pumps to in and out), and for
// any other service a listener that never yields one.
func (st *stdio) listen(_ context.Context, serviceID, _ string) (net.Listener, error) {
	ln := &pipeListener{closed: make(chan struct{}), conns: make(chan net.Conn, 1), addr: "none (unused)"}
	if serviceID == st.serviceID {
		ln.addr = "stdin/stdout"
		engineEnd, ours := net.Pipe()
		ln.conns <- engineEnd
		ln.onAccept = func() {
			st.session = st.e.current()
			st.accepted <- ours
		}
	}
	return ln, nil
}

// pump copies in to the connection and the connection to out until the
// connection ends. A normal end (the engine closed its side, or in ended)
// is nil; a failed write to out is returned.
func (st *stdio) pump(c net.Conn, in io.Reader, out io.Writer) error {
	go func() {
		io.Copy(c, in)
		c.Close() // EOF (or an error) on in ends the connection
	}()
	_, err := io.Copy(out, c)
	c.Close()
	if errors.Is(err, io.ErrClosedPipe) {
		return nil // in ended and closed the connection
	}
	if err != nil {
		return fmt.Errorf("write to stdout: %w", err)
	}
	return nil
}
