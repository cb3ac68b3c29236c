package metrics

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/servertest"
)

// TestExpositionPassesPromtool lints a live scrape with Prometheus's own
// checker (naming, units, help texts, counter suffixes).
func TestExpositionPassesPromtool(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	in := startServer(t)
	drive(t, in)
	resp, err := in.Client.Get(in.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestDashboardQueriesRunInPrometheus has a real Prometheus scrape a
// running tunneld every second and evaluates every dashboard query (with
// Grafana's variables filled in): each must be valid PromQL and, unless it
// filters with "> 0", return series.
func TestDashboardQueriesRunInPrometheus(t *testing.T) {
	needTool(t, "prometheus", "prometheus")
	d := loadDashboard(t)
	in := startServer(t)
	prom := startPrometheus(t, in)
	drive(t, in)
	deadline := time.Now().Add(60 * time.Second)
	for _, e := range d.exprs() {
		q := strings.NewReplacer("$__rate_interval", "15s", "$instance", ".*").Replace(e)
		optional := strings.HasSuffix(strings.TrimSpace(q), "> 0")
		for {
			n, err := query(prom, q)
			if err != nil {
				t.Errorf("query %q: %v", q, err)
				break
			}
			if n > 0 || optional {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("query %q returned no series", q)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// startPrometheus runs prometheus scraping in every second until the test
// ends, and returns its base URL once it has scraped in once.
func startPrometheus(t *testing.T, in *servertest.Instance) string {
	t.Helper()
	dir := t.TempDir()
	cfg := "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: tunneld\n" +
		"    static_configs:\n      - targets: ['" + in.Addr + "']\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:0")
	log := &listenLog{addr: make(chan string, 1)}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log)
		}
	})
	var base string
	select {
	case a := <-log.addr:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("prometheus did not listen within 30s:\n%s", log)
	}
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if n, _ := query(base, `up{job="tunneld"} == 1`); n == 1 {
			return base
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("prometheus did not scrape tunneld within 30s:\n%s", log)
		}
	}
}

var listenLine = regexp.MustCompile(`msg="Listening on" address=(\S+)`)

// listenLog keeps prometheus's log and sends the address its web server
// bound (logged as msg="Listening on" address=HOST:PORT) on addr.
type listenLog struct {
	addr chan string
	mu   sync.Mutex
	b    strings.Builder
	sent bool
}

func (l *listenLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if m := listenLine.FindStringSubmatch(l.b.String()); m != nil && !l.sent {
		l.addr <- m[1]
		l.sent = true
	}
	return len(p), nil
}

func (l *listenLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// query runs an instant query and returns the number of series in its
// result.
func query(base, q string) (int, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, &queryError{r.Error}
	}
	return len(r.Data.Result), nil
}

type queryError struct{ msg string }

func (e *queryError) Error() string { return "prometheus: " + e.msg }
