package main

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// splitPprofFlag removes --pprof-listen ADDR (or --pprof-listen=ADDR), an
// adit extension the reference proxy does not have, from args before the
// reference-compatible parser sees them. It returns the remaining args and
// the address (empty when absent).
func splitPprofFlag(args []string) (rest []string, addr string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--pprof-listen" && i+1 < len(args):
			addr = args[i+1]
			i++
		case strings.HasPrefix(a, "--pprof-listen="):
			addr = strings.TrimPrefix(a, "--pprof-listen=")
		default:
			rest = append(rest, a)
		}
	}
	return rest, addr
}

// servePprof serves the runtime profiles on addr until the process exits.
func servePprof(addr string) error {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	return http.ListenAndServe(addr, m)
}
