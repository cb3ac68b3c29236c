package broker

import (
	"errors"
	"math"
	"net"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
)

// Limits of the embedded broker. A tunnel notification is under 1 KiB
// and devices only subscribe, so these are generous for the real traffic
// and keep a hostile client's footprint to a few tens of KiB.
const (
	// MaxPacketSize bounds every packet a client sends, CONNECT included;
	// mochi checks the fixed header's length before allocating, so a
	// packet claiming more is refused and the connection closed.
	MaxPacketSize = 4 << 10
	// maxWritesPending bounds packets queued towards one client.
	maxWritesPending = 64
	// maxInflight bounds QoS 1/2 messages held per session, connected or
	// not (notifications for an offline device wait here).
	maxInflight = 32
	// receiveMaximum bounds QoS 1/2 packets a client may have unacknowledged
	// towards the broker.
	receiveMaximum = 16
	// maxSessionExpiry bounds how long an offline persistent session is
	// kept (24 h, tunnelagent's default).
	maxSessionExpiry = 24 * 60 * 60
	// maxMessageExpiry bounds how long a queued message lives (12 h, the
	// longest tunnel lifetime).
	maxMessageExpiry = 12 * 60 * 60
	// DefaultMaxConnections caps open network connections, authenticated
	// or not.
	DefaultMaxConnections = 10000
	// connectTimeout bounds the TLS handshake and the CONNECT packet.
	connectTimeout = 10 * time.Second
)

// capabilities returns mochi's capabilities with the limits above.
func capabilities(maxConns int) *mqtt.Capabilities {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumPacketSize = MaxPacketSize
	c.MaximumClientWritesPending = maxWritesPending
	c.MaximumInflight = maxInflight
	c.ReceiveMaximum = receiveMaximum
	c.MaximumSessionExpiryInterval = maxSessionExpiry
	c.MaximumMessageExpiryInterval = maxMessageExpiry
	c.TopicAliasMaximum = 0 // no per-client alias tables
	c.MaximumClients = int64(maxConns)
	if maxConns <= 0 {
		c.MaximumClients = math.MaxInt64
	}
	return c
}

// limitListener caps open connections (a connection beyond the cap is
// closed at once and counted), gives each one connectTimeout to finish
// the handshake and CONNECT, retries temporary accept errors instead of
// ending (mochi stops serving on the first Accept error), and can close
// every open connection.
type limitListener struct {
	net.Listener
	sem     chan struct{}
	refused func()

	mu    sync.Mutex
	conns map[*limitConn]struct{}
}

func newLimitListener(ln net.Listener, max int, refused func()) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, max), refused: refused, conns: map[*limitConn]struct{}{}}
}

// Accept returns the next connection within the cap.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		if err != nil {
			time.Sleep(50 * time.Millisecond) // e.g. EMFILE: let connections close
			continue
		}
		select {
		case l.sem <- struct{}{}:
		default:
			l.refused()
			c.Close()
			continue
		}
		c.SetDeadline(time.Now().Add(connectTimeout))
		lc := &limitConn{Conn: c, l: l}
		l.mu.Lock()
		l.conns[lc] = struct{}{}
		l.mu.Unlock()
		return lc, nil
	}
}

// closeAll closes every open connection.
func (l *limitListener) closeAll() {
	l.mu.Lock()
	cs := make([]*limitConn, 0, len(l.conns))
	for c := range l.conns {
		cs = append(cs, c)
	}
	l.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

// limitConn releases its slot when closed.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

// Close closes the connection and frees its slot.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		<-c.l.sem
	})
	return err
}
