package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// sourceTimeout bounds connecting the source to the relay and binding its
// loopback port.
const sourceTimeout = 20 * time.Second

// source is a localproxy source for one terminal: it listens on a loopback
// port for the tunnel's service and ends when the tunnel closes, the token
// is revoked, or its context ends.
type source struct {
	addr   string        // the loopback address of the service's listener
	done   chan struct{} // closed when the proxy has stopped
	err    error         // the proxy's result; read after done
	closer *closeReason
	stop   context.CancelFunc // stops the proxy
}

// startSource runs a source proxy for service with token on the console's
// private data-plane listener and waits until its port is bound.
func (c *Console) startSource(ctx context.Context, token, service string) (*source, error) {
	endpoint, err := c.dp.endpoint()
	if err != nil {
		return nil, err
	}
	s := &source{done: make(chan struct{}), closer: &closeReason{}}
	bound := make(chan string, 1)
	missing := make(chan []string, 1)
	cfg := localproxy.Config{
		Mode:        tunnel.ModeSource,
		Endpoint:    endpoint,
		AccessToken: token,
		// Only the terminal's service gets a known port; the tunnel's other
		// services, if any, get ports the OS picks and no connections.
		FallbackServices:   []localproxy.Service{{ID: service, Addr: "127.0.0.1:0"}},
		BindAddress:        "127.0.0.1",
		MaxConnsPerService: 1,
		MaxConnectAttempts: 2,
		ReconnectDelay:     200 * time.Millisecond,
		MaxReconnectDelay:  time.Second,
		DialRetries:        -1,
		UserAgent:          "adit-console",
		Logger:             slog.New(&reasonHandler{Handler: c.log.With("component", "console-source").Handler(), r: s.closer}),
		OnListen: func(id string, a net.Addr) {
			if id == service {
				select {
				case bound <- a.String():
				default:
				}
			}
		},
		OnConnected: func(ids []string) {
			if !slices.Contains(ids, service) {
				select {
				case missing <- ids:
				default:
				}
			}
		},
	}
	pctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	go func() {
		defer close(s.done)
		s.err = localproxy.Run(pctx, cfg)
	}()
	t := time.NewTimer(sourceTimeout)
	defer t.Stop()
	select {
	case s.addr = <-bound:
		return s, nil
	case ids := <-missing:
		cancel()
		<-s.done
		return nil, fmt.Errorf("the tunnel has no service %q (its services: %s)", service, strings.Join(ids, ", "))
	case <-s.done:
		cancel()
		return nil, sourceError(s.err, s.closer)
	case <-t.C:
		cancel()
		<-s.done
		return nil, errors.New("timed out connecting to the tunnel")
	case <-ctx.Done():
		cancel()
		<-s.done
		return nil, ctx.Err()
	}
}

// sourceError words why a source proxy stopped for the user.
func sourceError(err error, cr *closeReason) error {
	var he *localproxy.HandshakeError
	switch {
	case err == nil:
		if r := cr.get(); r != "" {
			return fmt.Errorf("the tunnel connection ended: %s", r)
		}
		return errors.New("the tunnel connection ended (the tunnel was closed, or its source token was rotated)")
	case errors.As(err, &he):
		return fmt.Errorf("the data plane refused the source token: %s", he.Reason)
	case errors.Is(err, context.Canceled):
		return errors.New("cancelled")
	}
	return fmt.Errorf("cannot connect to the tunnel: %v", err)
}

// closeReason keeps the reason of the Close frame that ended the source,
// taken from its log ("tunnel closed", "access token revoked", ...).
type closeReason struct {
	mu sync.Mutex
	r  string
}

func (c *closeReason) set(r string) { c.mu.Lock(); c.r = r; c.mu.Unlock() }

func (c *closeReason) get() string { c.mu.Lock(); defer c.mu.Unlock(); return c.r }

// reasonHandler passes records to the console's log and notes the reason
// of a Close frame from the service.
type reasonHandler struct {
	slog.Handler
	r *closeReason
}

func (h *reasonHandler) Handle(ctx context.Context, rec slog.Record) error {
	if strings.HasPrefix(rec.Message, "tunnel closed by the service") {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "reason" {
				h.r.set(a.Value.String())
				return false
			}
			return true
		})
	}
	if h.Handler.Enabled(ctx, rec.Level) {
		return h.Handler.Handle(ctx, rec)
	}
	return nil
}

// Enabled lets Info records through so that Handle sees the close reason.
func (h *reasonHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.Handler.Enabled(ctx, l)
}

func (h *reasonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &reasonHandler{Handler: h.Handler.WithAttrs(as), r: h.r}
}

func (h *reasonHandler) WithGroup(name string) slog.Handler {
	return &reasonHandler{Handler: h.Handler.WithGroup(name), r: h.r}
}
