package console

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// dataPlane is a private loopback listener serving tunneld's data-plane
// handler, so that the terminal's source proxy reaches the relay without
// depending on how the public listener is bound, proxied or certified. It
// starts with the first terminal.
type dataPlane struct {
	handler http.Handler
	log     *slog.Logger

	mu     sync.Mutex
	srv    *http.Server
	url    string // ws://127.0.0.1:port
	closed bool
}

var errClosed = errors.New("the console is shutting down")

// endpoint returns the listener's WebSocket base URL, starting it if needed.
func (d *dataPlane) endpoint() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return "", errClosed
	}
	if d.srv != nil {
		return d.url, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/tunnel", d.handler)
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)}
	d.url = "ws://" + ln.Addr().String()
	go d.srv.Serve(ln)
	return d.url, nil
}

// close stops the listener. Upgraded connections belong to the relay,
// which closes them on its own shutdown.
func (d *dataPlane) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.srv == nil {
		return nil
	}
	return d.srv.Close()
}
