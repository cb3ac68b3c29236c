package cluster

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/linkmux"
)

// A link is one long-lived connection from this node to another node's
// ordinary listener, upgraded at LinkPath and multiplexed (linkmux), that
// carries every peer this node forwards to that node: each forwarded peer
// is one stream. A forwarded peer therefore costs the forwarding node only
// its client's socket, and the owner no socket at all.

// LinkPath is where a node's listeners accept links from other nodes.
const LinkPath = "/cluster/link"

// linkProtocol is the Upgrade token of a link.
const linkProtocol = "adit-link/1"

// Headers of a link upgrade.
const (
	headerLink          = "X-Adit-Link"
	headerLinkSignature = "X-Adit-Link-Signature"
)

// linkHello is what a dialling node asserts about itself, signed with the
// cluster secret.
type linkHello struct {
	Node   string `json:"n"`
	Issued int64  `json:"i"` // Unix ms
}

// muxConfig is the multiplexer's configuration on both ends: a dead link
// is noticed within three keepalive periods.
var muxConfig = linkmux.Config{KeepAlive: 5 * time.Second, WriteTimeout: 10 * time.Second, Backlog: 1024}

// links holds this node's links to other nodes, one per address.
type links struct {
	mu      sync.Mutex
	byAddr  map[string]*linkmux.Session
	dialing map[string]chan struct{} // closed when the dial in progress ends
	closed  bool
}

// errLinksClosed: the node is shutting down.
var errLinksClosed = errors.New("cluster links closed")

// openStream returns a new stream to the node at addr, dialling a link
// first when there is none (one dial per address at a time).
func (n *Node) openStream(ctx context.Context, addr string) (*linkmux.Stream, error) {
	var err error
	for range 3 { // a link found dead is replaced; a new one that dies at once is the owner's problem
		var st *linkmux.Stream
		if st, err = n.tryOpenStream(ctx, addr); err == nil || !errors.Is(err, errLinkDied) {
			return st, err
		}
	}
	return nil, err
}

// errLinkDied: the link ended before a stream could be opened on it.
var errLinkDied = errors.New("link to node ended")

// tryOpenStream opens a stream on the link to addr, dialling it first
// when there is none; errLinkDied when the link ended meanwhile (it is
// dropped, so the next attempt dials).
func (n *Node) tryOpenStream(ctx context.Context, addr string) (*linkmux.Stream, error) {
	for {
		sess, wait, err := n.link(addr)
		if err != nil {
			return nil, err
		}
		if wait != nil {
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if sess == nil {
			sess, err = n.dialLink(ctx, addr)
			if err != nil {
				return nil, err
			}
		}
		st, err := sess.Open()
		if err == nil {
			return st, nil
		}
		n.dropLink(addr, sess)
		return nil, fmt.Errorf("%w: %v", errLinkDied, err)
	}
}

// link returns the open link to addr, or a channel to wait on while
// another goroutine dials it, or neither: then the caller dials (and must
// call dialLink, which ends the wait of the others).
func (n *Node) link(addr string) (*linkmux.Session, chan struct{}, error) {
	l := &n.links
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, errLinksClosed
	}
	if s := l.byAddr[addr]; s != nil && !closed(s) {
		return s, nil, nil
	}
	if w := l.dialing[addr]; w != nil {
		return nil, w, nil
	}
	if l.dialing == nil {
		l.dialing = map[string]chan struct{}{}
		l.byAddr = map[string]*linkmux.Session{}
	}
	l.dialing[addr] = make(chan struct{})
	return nil, nil, nil
}

// dialLink connects a link to addr and records it.
func (n *Node) dialLink(ctx context.Context, addr string) (*linkmux.Session, error) {
	sess, err := n.connectLink(ctx, addr)
	l := &n.links
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.dialing[addr])
	delete(l.dialing, addr)
	if err != nil {
		return nil, err
	}
	if l.closed {
		sess.Close()
		return nil, errLinksClosed
	}
	l.byAddr[addr] = sess
	n.log.Info("link to node opened", "addr", addr)
	return sess, nil
}

// dropLink forgets sess as the link to addr and closes it.
func (n *Node) dropLink(addr string, sess *linkmux.Session) {
	l := &n.links
	l.mu.Lock()
	if l.byAddr[addr] == sess {
		delete(l.byAddr, addr)
	}
	l.mu.Unlock()
	sess.Close()
}

// closeLinks closes every outgoing link; later opens fail.
func (n *Node) closeLinks() {
	l := &n.links
	l.mu.Lock()
	l.closed = true
	sessions := l.byAddr
	l.byAddr = nil
	l.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
}

// connectLink dials addr, upgrades the connection to a link and starts
// the client side of the multiplexer on it.
func (n *Node) connectLink(ctx context.Context, addr string) (*linkmux.Session, error) {
	conn, err := n.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	hello, _ := json.Marshal(linkHello{Node: n.cfg.NodeID, Issued: n.cfg.Now().UnixMilli()})
	value := base64.RawURLEncoding.EncodeToString(hello)
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\n%s: %s\r\n%s: %s\r\n\r\n",
		LinkPath, addr, linkProtocol, headerLink, value, headerLinkSignature, mac(n.cfg.Secret, purposeLink, value))
	if err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("link to %s: %w", addr, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusalBody))
		conn.Close()
		return nil, fmt.Errorf("link to %s refused: %s: %s", addr, resp.Status, body)
	}
	conn.SetDeadline(time.Time{})
	return linkmux.Client(conn, br, muxConfig), nil
}

// closed reports whether a link ended.
func closed(s *linkmux.Session) bool {
	select {
	case <-s.Done():
		return true
	default:
		return false
	}
}

// dial connects to another node's listener, with TLS when the node's own
// listeners use it.
func (n *Node) dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout, KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: keepAlive, Interval: keepAlive / 2, Count: 4}}
	if n.cfg.DialTLS == nil {
		return d.DialContext(ctx, "tcp", addr)
	}
	td := tls.Dialer{NetDialer: &d, Config: n.cfg.DialTLS}
	return td.DialContext(ctx, "tcp", addr)
}
