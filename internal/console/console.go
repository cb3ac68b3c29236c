package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
)

// Config configures a Console.
type Config struct {
	// DataPlane is tunneld's data-plane handler (the relay serving
	// /tunnel); the terminal connects to it as a source. Required.
	DataPlane http.Handler
	// Region is the region the API expects in the SigV4 scope; the pages
	// sign with it.
	Region string
	// Logger receives the console's log; nil discards it.
	Logger *slog.Logger
}

// Console serves the web console under /console/. It is an http.Handler.
type Console struct {
	cfg    Config
	log    *slog.Logger
	files  *staticFiles
	ctx    context.Context // ends on Close: every terminal ends
	cancel context.CancelFunc
	dp     *dataPlane
	wg     sync.WaitGroup // running terminals
}

// New returns a Console. It starts nothing until the first terminal.
func New(cfg Config) (*Console, error) {
	if cfg.DataPlane == nil {
		return nil, errors.New("console: DataPlane is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	files, err := loadStatic()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Console{cfg: cfg, log: cfg.Logger, files: files, ctx: ctx, cancel: cancel}
	c.dp = &dataPlane{handler: cfg.DataPlane, log: cfg.Logger}
	return c, nil
}

// Close ends every terminal session and stops the private data-plane
// listener. Pages keep being served.
func (c *Console) Close() error {
	c.cancel()
	err := c.dp.close()
	c.wg.Wait()
	return err
}

// ServeHTTP routes /console/terminal to the terminal, /console/config.json
// to the page configuration, and everything else under /console/ to the
// embedded files.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	switch strings.TrimPrefix(r.URL.Path, "/console") {
	case "/terminal":
		c.serveTerminal(w, r)
	case "/config.json":
		c.serveConfig(w, r)
	default:
		c.files.serve(w, r)
	}
}

func (c *Console) serveConfig(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]string{"region": c.cfg.Region, "service": "IoTSecuredTunneling"})
}

// setSecurityHeaders confines the pages to their own origin: scripts,
// styles and connections (API calls and the terminal's WebSocket) only from
// it, no framing.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
