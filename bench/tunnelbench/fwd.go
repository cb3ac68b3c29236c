package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// cmdFwd is the "relay floor" of the suite: a minimal user-space TCP
// relay. For each accepted connection it dials -to and copies bytes both
// ways through a 64 KiB buffer with plain read and write calls (no
// splice), the least any relay that must see the bytes can do. Three of
// them chained as separate processes make the same number of process hops
// as source localproxy → tunneld → destination localproxy, without
// WebSocket, framing or protocol, so the suite can show how much of the
// tunnel's cost is the hops themselves on this machine.
func cmdFwd(args []string) error {
	fs := flag.NewFlagSet("fwd", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	to := fs.String("to", "", "address to relay to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("-to is required")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	os.Stdout.Sync()
	serve(ln, func(c net.Conn) {
		d, err := net.DialTimeout("tcp", *to, 5*time.Second)
		if err != nil {
			c.Close()
			return
		}
		go pump(d, c)
		pump(c, d)
	})
	return nil
}

// pump copies src to dst until either fails, then closes both (dst and
// src may be the same connection: an echo).
func pump(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// startFloor starts three chained fwd processes in front of target and
// returns them with the address of the first.
func startFloor(self, dir, target string) ([]*proc, string, error) {
	var procs []*proc
	to := target
	for i := 3; i >= 1; i-- {
		name := fmt.Sprintf("fwd%d", i)
		p, err := startProc(name, filepath.Join(dir, name+".log"), nil, self, "fwd", "-listen", "127.0.0.1:0", "-to", to)
		if err != nil {
			stopAll(procs)
			return nil, "", err
		}
		procs = append(procs, p)
		if to, err = p.waitLog(regexp.MustCompile(`listening (\S+)`), 10*time.Second); err != nil {
			stopAll(procs)
			return nil, "", err
		}
	}
	return procs, to, nil
}

func stopAll(ps []*proc) {
	for _, p := range ps {
		p.stop()
	}
}
