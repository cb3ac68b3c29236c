// Command apibench measures tunneld's control-plane API throughput and
// latency over HTTP/1.1 keep-alive with SigV4-signed requests from
// concurrent clients, each on its own connection. It prints one Markdown
// table row per operation. With several comma-separated endpoints (the
// nodes of a cluster) the clients are spread over them round robin and the
// row is their sum. Its HTTP client is a minimal one of its own (see
// client): on a shared host the load generator's CPU is the server's loss.
//
//	apibench -endpoint http://127.0.0.1:8080 -credentials data/credentials -ops healthz,OpenTunnel,DescribeTunnel
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/sigv4"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8080", "tunneld API endpoint; several, comma-separated, share the clients round robin")
	credFile := flag.String("credentials", "data/credentials", "AWS shared-credentials file with an accepted key")
	ops := flag.String("ops", "healthz,OpenTunnel,DescribeTunnel", "comma-separated operations; healthz is the unsigned baseline")
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 5*time.Second, "measuring time per operation")
	flag.Parse()
	keys, err := sigv4.LoadCredentialsFile(*credFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
	var key sigv4.Key
	for _, k := range keys {
		key = k
	}
	b := &bench{endpoints: strings.Split(*endpoint, ","), key: key}
	if err := b.prepare(); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
	fmt.Println("| operation | clients | requests | errors | req/s | p50 | p99 |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, op := range strings.Split(*ops, ",") {
		r := b.run(op, *clients, *duration)
		fmt.Printf("| %s | %d | %d | %d | %.0f | %v | %v |\n", op, *clients, r.n, r.errors, float64(r.n)/r.elapsed.Seconds(),
			r.quantile(0.50).Round(time.Microsecond), r.quantile(0.99).Round(time.Microsecond))
	}
}

type bench struct {
	endpoints []string
	key       sigv4.Key
	tunnelID  string
}

// prepare opens one tunnel for DescribeTunnel to read.
func (b *bench) prepare() error {
	c, err := newClient(b.endpoints[0], b.key)
	if err != nil {
		return err
	}
	body, status, err := c.call("OpenTunnel", []byte(`{"description":"apibench"}`))
	if err != nil || status != 200 {
		return fmt.Errorf("open tunnel: status %d, %v, %s", status, err, body)
	}
	var out struct{ TunnelID string }
	if err := json.Unmarshal(body, &out); err != nil || out.TunnelID == "" {
		return fmt.Errorf("open tunnel: no tunnel id in %s (%v)", body, err)
	}
	b.tunnelID = out.TunnelID
	return nil
}

type result struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration
}

func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(q*float64(len(r.lat)-1))]
}

func (b *bench) run(op string, clients int, d time.Duration) result {
	body := []byte("{}")
	switch op {
	case "DescribeTunnel":
		body = []byte(`{"tunnelId":"` + b.tunnelID + `"}`)
	case "OpenTunnel":
		body = []byte(`{"description":"apibench","timeoutConfig":{"maxLifetimeTimeoutMinutes":5}}`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		c, err := newClient(b.endpoints[i%len(b.endpoints)], b.key)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apibench:", err)
			os.Exit(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.close()
			var lat []time.Duration
			errs := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				_, status, err := c.call(op, body)
				lat = append(lat, time.Since(t0))
				if err != nil || status != 200 {
					errs++
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res
}
