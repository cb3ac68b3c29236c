package broker

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// mqttListener serves the broker's connections like mochi's own TCP
// listener, but keeps count of the goroutines it starts, so that shutdown
// can wait for them before mochi waits for its clients. (mochi registers a
// client from inside that goroutine; if its shutdown began waiting first,
// the registration would race with the wait.)
type mqttListener struct {
	id  string
	ln  net.Listener
	cap *limitListener

	mu     sync.Mutex
	closed bool           // guarded by mu: no new connection goroutines
	conns  sync.WaitGroup // connection goroutines
	ended  atomic.Bool
}

var _ listeners.Listener = (*mqttListener)(nil)

// Init has nothing to do: the socket is bound before.
func (l *mqttListener) Init(*slog.Logger) error { return nil }

// Serve hands each accepted connection to mochi on its own goroutine
// until the listener is closed.
func (l *mqttListener) Serve(establish listeners.EstablishFn) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns.Go(func() { establish(l.id, c) }) // mochi closes c when done
		l.mu.Unlock()
	}
}

// ID names the listener.
func (l *mqttListener) ID() string { return l.id }

// Address is the bound address.
func (l *mqttListener) Address() string { return l.ln.Addr().String() }

// Protocol is always tcp.
func (l *mqttListener) Protocol() string { return "tcp" }

// Close stops accepting and asks mochi to disconnect this listener's
// clients (once).
func (l *mqttListener) Close(closeClients listeners.CloseFn) {
	if l.ended.CompareAndSwap(false, true) {
		closeClients(l.id)
	}
	l.ln.Close()
}

// shutdown stops accepting, disconnects every client (those logged in get
// a DISCONNECT saying the server is shutting down), closes the
// connections that never logged in, and waits until every connection
// goroutine has returned.
func (l *mqttListener) shutdown(srv *mqtt.Server) {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.ln.Close()
	for _, cl := range srv.Clients.GetByListener(l.id) {
		srv.DisconnectClient(cl, packets.ErrServerShuttingDown)
	}
	l.cap.closeAll()
	l.conns.Wait()
}
