package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
)

// startPprof serves the runtime profiles on addr until the process exits
// (or the returned listener is closed). It logs the bound address
// ("pprof listening", see package listenlog), so port 0 can be asked for.
func startPprof(addr string, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	log.Info("pprof listening", "addr", ln.Addr().String())
	go func() {
		if err := http.Serve(ln, m); err != nil && !isClosed(err) {
			log.Error("pprof server", "err", err)
		}
	}()
	return ln, nil
}

// isClosed reports whether err is the error of a closed listener.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
