package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
)

// servePprof serves the runtime profiles on addr until the process exits.
func servePprof(addr string, log *slog.Logger) {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	log.Info("pprof listening", "addr", addr)
	if err := http.ListenAndServe(addr, m); err != nil {
		log.Error("pprof server", "err", err)
	}
}
