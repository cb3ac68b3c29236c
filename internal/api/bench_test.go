package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchEnv is an env on the real clock with no quota.
func benchEnv(b *testing.B) *env {
	e := newEnv(b, func(c *Config) {
		c.MaxOpenTunnels = -1
		c.Now = time.Now
		c.Logger = nil
	})
	tr := e.srv.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64
	return e
}

// benchCall posts body to op and fails unless it returns 200.
func benchCall(b *testing.B, c *http.Client, url, op, body string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentTypeJSON11)
	req.Header.Set("X-Amz-Target", TargetPrefix+op)
	res, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Errorf("%s = %d", op, res.StatusCode)
	}
}

func runParallel(b *testing.B, e *env, op, body string) {
	c := e.srv.Client()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchCall(b, c, e.srv.URL+"/", op, body)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkDescribeTunnel(b *testing.B) {
	e := benchEnv(b)
	id := e.open(`{"description": "bench", "tags": [{"key": "k", "value": "v"}],
		"destinationConfig": {"thingName": "robot", "services": ["SSH"]}}`)
	runParallel(b, e, "DescribeTunnel", `{"tunnelId":"`+id+`"}`)
}

func BenchmarkOpenTunnel(b *testing.B) {
	e := benchEnv(b)
	runParallel(b, e, "OpenTunnel", `{"destinationConfig": {"services": ["SSH"]}}`)
}
