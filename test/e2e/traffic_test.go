package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/sigv4"
)

// TestEcho: an echo service through source localproxy → tunneld →
// destination localproxy with default flags (V3), a few sequential and
// concurrent connections.
func TestEcho(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "hello from the device\n")
	tun := in.OpenTunnel(t, "SSH")
	startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, "SSH="+echo)
	var port string
	_, addrs := startSourceOnPorts(t, wsEndpoint(in), tun.SourceAccessToken, 1, func(ports []string) []string {
		port = ports[0]
		return []string{"-s", "SSH=" + port}
	})
	if want := "127.0.0.1:" + port; addrs["SSH"] != want && addrs["SSH"] != "[::1]:"+port {
		t.Fatalf("source listens on %v, want SSH at %s", addrs, want)
	}
	addr := "127.0.0.1:" + port
	for i := range 3 {
		if err := echoRoundTrip(addr, "hello from the device\n", 64<<10, 20*time.Second); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := echoRoundTrip(addr, "hello from the device\n", 256<<10, 30*time.Second); err != nil {
				t.Errorf("concurrent connection %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// TestParallelConnections: 64 TCP connections at once through one tunnel,
// each moving 1–4 MiB each way, every direction verified by SHA-256.
func TestParallelConnections(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	svc := checksumServer(t)
	_, _, _, addrs := pair(t, in, []string{"BULK"}, "BULK="+svc, osPorts()...)
	const conns = 64
	start := time.Now()
	var wg sync.WaitGroup
	var total int64
	var mu sync.Mutex
	for i := range conns {
		up := int64(1<<20 + (i*7919)%(3<<20))
		down := int64(1<<20 + (i*104729)%(3<<20))
		total += up + down
		wg.Go(func() {
			if err := checksumExchange(addrs["BULK"], up, down, 2*time.Minute); err != nil {
				mu.Lock()
				t.Errorf("connection %d (%d bytes up, %d down): %v", i, up, down, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	t.Logf("%d connections moved %d MiB in %v (%.0f MiB/s)", conns, total>>20, d.Round(time.Millisecond), float64(total)/(1<<20)/d.Seconds())
}

// TestLargeTransfer: 1 GiB over one connection, generated and hashed on the
// fly, verified by SHA-256, within a time bound. All three programs are
// processes here (tunneld too): an in-process tunneld runs under the race
// detector, which makes its relay about eight times slower (about 40 MiB/s
// on 2 cores), and the 64-connection test already covers it.
func TestLargeTransfer(t *testing.T) {
	t.Parallel()
	size := int64(1 << 30)
	if testing.Short() {
		size = 64 << 20
	}
	_, in := startTunneldProc(t, "", sigv4.GenerateKey("admin"))
	svc := checksumServer(t)
	_, _, _, addrs := pair(t, in, []string{"BULK"}, "BULK="+svc, osPorts()...)
	start := time.Now()
	if err := checksumExchange(addrs["BULK"], size, 0, 5*time.Minute); err != nil {
		t.Fatalf("%d MiB transfer: %v", size>>20, err)
	}
	d := time.Since(start)
	t.Logf("%d MiB in %v (%.0f MiB/s)", size>>20, d.Round(time.Millisecond), float64(size)/(1<<20)/d.Seconds())
}

// TestSeveralServices: three services in one tunnel, each reaching its own
// service, with ports given on the command line and with ports assigned by
// the OS (-m src without mappings, the reference's "Listen port assigned"
// log line).
func TestSeveralServices(t *testing.T) {
	t.Parallel()
	ids := []string{"SSH", "HTTP", "RDP"}
	for _, mode := range []string{"explicit_ports", "assigned_ports"} {
		t.Run(mode, func(t *testing.T) {
			in := startTunneld(t)
			var dst []string
			for _, id := range ids {
				dst = append(dst, id+"="+echoServer(t, "service "+id+"\n"))
			}
			tun := in.OpenTunnel(t, ids...)
			startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, strings.Join(dst, ","))
			var addrs map[string]string
			if mode == "assigned_ports" {
				_, addrs = startSource(t, wsEndpoint(in), tun.SourceAccessToken, osPorts()...)
			} else {
				_, addrs = startSourceOnPorts(t, wsEndpoint(in), tun.SourceAccessToken, len(ids), func(ports []string) []string {
					src := make([]string, len(ids))
					for i, id := range ids {
						src[i] = id + "=" + ports[i]
					}
					return []string{"-s", strings.Join(src, ",")}
				})
			}
			if len(addrs) != len(ids) {
				t.Fatalf("source listens on %v, want one port for each of %v", addrs, ids)
			}
			var wg sync.WaitGroup
			for _, id := range ids {
				if addrs[id] == "" {
					t.Fatalf("no listen port for service %s: %v", id, addrs)
				}
				for i := range 4 {
					wg.Go(func() {
						if err := echoRoundTrip(addrs[id], "service "+id+"\n", 128<<10, 30*time.Second); err != nil {
							t.Errorf("service %s, connection %d: %v", id, i, err)
						}
					})
				}
			}
			wg.Wait()
		})
	}
}
