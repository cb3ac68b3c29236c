package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// connGate caps the connections of one listener that have not
// authenticated yet. A connection is admitted (or closed at once, when the
// cap is reached) in http.Server.ConnContext, counts as unauthenticated
// until a request on it passes SigV4 or it is hijacked by a WebSocket
// upgrade (the relay hijacks only after a successful token claim), and
// leaves the gate when it closes. Authenticated connections and upgraded
// tunnels are never counted, so they keep working while the cap is full.
type connGate struct {
	name string // listener name in logs and metrics
	max  int    // < 1: no cap
	log  *slog.Logger

	mu       sync.Mutex
	unauth   int
	conns    map[net.Conn]*gateEntry
	refused  uint64
	warnedAt time.Time
}

// gateEntry is one admitted connection, in its request contexts.
type gateEntry struct {
	g       *connGate
	conn    net.Conn
	counted bool // counted in g.unauth; under g.mu
}

type gateKey struct{}

// refusalLogEvery spaces the warnings about refused connections.
const refusalLogEvery = 10 * time.Second

func newConnGate(name string, max int, log *slog.Logger) *connGate {
	return &connGate{name: name, max: max, log: log, conns: make(map[net.Conn]*gateEntry)}
}

// hook installs the gate on hs.
func (g *connGate) hook(hs *http.Server) {
	hs.ConnContext = g.connContext
	hs.ConnState = g.connState
}

// connContext admits c, or closes it when the cap is reached.
func (g *connGate) connContext(ctx context.Context, c net.Conn) context.Context {
	g.mu.Lock()
	if g.max > 0 && g.unauth >= g.max {
		g.refused++
		warn := time.Since(g.warnedAt) >= refusalLogEvery
		if warn {
			g.warnedAt = time.Now()
		}
		refused := g.refused
		g.mu.Unlock()
		c.Close()
		if warn {
			g.log.Warn("too many unauthenticated connections; refusing new ones", "listener", g.name,
				"cap", g.max, "refused_total", refused, "remote_addr", c.RemoteAddr().String())
		}
		return ctx
	}
	e := &gateEntry{g: g, conn: c, counted: true}
	g.unauth++
	g.conns[c] = e
	g.mu.Unlock()
	return context.WithValue(ctx, gateKey{}, e)
}

// connState releases a connection that closed or was hijacked.
func (g *connGate) connState(c net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.conns[c]
	if !ok {
		return // refused, or released already
	}
	delete(g.conns, c)
	if e.counted {
		e.counted = false
		g.unauth--
	}
}

// markAuthenticated stops counting the connection of a request context
// (one whose request passed SigV4). Other contexts are ignored.
func markAuthenticated(ctx context.Context) {
	e, _ := ctx.Value(gateKey{}).(*gateEntry)
	if e == nil {
		return
	}
	g := e.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.counted {
		e.counted = false
		g.unauth--
	}
}

// counts returns the connections counted now and those refused so far.
func (g *connGate) counts() (unauth int, refused uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.unauth, g.refused
}

// defaultUnauthCap is the cap when none is configured: a quarter of the
// open-file limit (the rest stays for tunnels, the database and
// authenticated clients), at most 1024 and at least 16. It also returns
// the limit it read (0 if unknown).
func defaultUnauthCap() (int, uint64) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024, 0
	}
	return int(min(max(rl.Cur/4, 16), 1024)), rl.Cur
}
