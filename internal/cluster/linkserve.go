package cluster

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/chanlisten"
	"github.com/adit-project/adit/internal/linkmux"
)

// The owner's side of links: ServeHTTP accepts a link from another node,
// and every stream on it is served as one more connection to the relay
// (an http.Server over the streams), where the forwarded upgrade it
// carries is checked and attached (Forwarded).

// Errors of a link upgrade, or a forwarded upgrade, that is not authentic.
var (
	errNotViaLink   = errors.New("forwarded upgrade outside a link between nodes")
	errLinkUnsigned = errors.New("link without a valid signature")
	errLinkStale    = errors.New("link with a stale or future timestamp")
	errLinkNoCert   = errors.New("link without a verified client certificate (--cluster-ca)")
)

// viaLinkKey marks the context of a request that came over a link; its
// value is the dialling node's id.
type viaLinkKey struct{}

// inbound is the owner's side of the links other nodes opened to it.
type inbound struct {
	mu       sync.Mutex
	sessions map[*linkmux.Session]struct{}
	closed   bool
	streams  *chanlisten.Listener
	server   *http.Server
}

// serveLinks starts serving the streams of accepted links to h.
func (n *Node) serveLinks(h http.Handler) {
	in := &n.inbound
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: handshakeTimeout,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc, ok := c.(linkStream); ok {
				return context.WithValue(ctx, viaLinkKey{}, lc.from)
			}
			return ctx
		},
	}
	streams := chanlisten.New("adit-link", n.cfg.Advertise)
	in.mu.Lock()
	in.streams, in.server = streams, srv
	in.mu.Unlock()
	n.wg.Go(func() { srv.Serve(streams) })
}

// ServeHTTP accepts a link from another node at LinkPath.
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	from, err := n.checkLink(r)
	if err != nil {
		n.log.Warn("link refused", "remote_addr", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), linkProtocol) {
		http.Error(w, "want GET with Upgrade: "+linkProtocol, http.StatusBadRequest)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + linkProtocol + "\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	sess := linkmux.Server(conn, brw.Reader, muxConfig)
	if !n.addInbound(sess) {
		sess.Close()
		return
	}
	n.log.Info("link from node accepted", "node", from, "remote_addr", r.RemoteAddr)
	go func() {
		defer n.wg.Done()
		n.acceptStreams(sess, from)
	}()
}

// checkLink authenticates a link upgrade and returns the dialling node.
func (n *Node) checkLink(r *http.Request) (string, error) {
	if len(n.cfg.Secret) == 0 {
		return "", errNoSecret
	}
	value, sig := r.Header.Get(headerLink), r.Header.Get(headerLinkSignature)
	if value == "" || !hmac.Equal([]byte(sig), []byte(mac(n.cfg.Secret, purposeLink, value))) {
		return "", errLinkUnsigned
	}
	var h linkHello
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil || h.Node == "" {
		return "", errLinkUnsigned
	}
	if d := n.cfg.Now().Sub(time.UnixMilli(h.Issued)); d > grantMaxAge || d < -grantMaxAge {
		return "", errLinkStale
	}
	if n.cfg.RequireClientCert && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
		return "", errLinkNoCert
	}
	return h.Node, nil
}

func (n *Node) addInbound(s *linkmux.Session) bool {
	in := &n.inbound
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed || in.streams == nil {
		return false
	}
	if in.sessions == nil {
		in.sessions = map[*linkmux.Session]struct{}{}
	}
	in.sessions[s] = struct{}{}
	n.wg.Add(1) // under the lock, so never after closeInbound
	return true
}

// acceptStreams hands each stream of sess to the streams' server until
// the link ends.
func (n *Node) acceptStreams(sess *linkmux.Session, from string) {
	in := &n.inbound
	defer func() {
		in.mu.Lock()
		delete(in.sessions, sess)
		in.mu.Unlock()
		sess.Close()
		n.log.Info("link from node ended", "node", from)
	}()
	for {
		st, err := sess.Accept()
		if err != nil {
			return
		}
		if !in.streams.Push(linkStream{st, from}) {
			st.Close()
			return
		}
	}
}

// closeInbound stops serving links: the streams' server and every
// accepted link close.
func (n *Node) closeInbound() {
	in := &n.inbound
	in.mu.Lock()
	in.closed = true
	sessions, srv := in.sessions, in.server
	in.sessions = nil
	in.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	for s := range sessions {
		s.Close()
	}
}

// linkStream is one stream of a link, as a connection of the streams'
// server; from names the node that opened it.
type linkStream struct {
	*linkmux.Stream
	from string
}
