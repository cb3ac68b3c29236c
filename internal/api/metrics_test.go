package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/adit-project/adit/internal/metricstest"
)

// instrument puts fresh Metrics in front of e's handler (before any call).
func instrument(e *env) *Metrics {
	m := NewMetrics()
	e.srv.Config.Handler = m.Wrap(e.srv.Config.Handler)
	return m
}

// apiSeries maps "operation code" to the count of adit_api_requests_total
// and "operation" to the count of adit_api_request_duration_seconds.
func apiSeries(t *testing.T, m *Metrics) (requests, durations map[string]uint64) {
	t.Helper()
	mfs := metricstest.ParseString(t, metricstest.Text(t, m))
	requests, durations = map[string]uint64{}, map[string]uint64{}
	for _, s := range mfs["adit_api_requests_total"].GetMetric() {
		requests[labelOf(s, "operation")+" "+labelOf(s, "code")] = uint64(s.GetCounter().GetValue())
	}
	for _, s := range mfs["adit_api_request_duration_seconds"].GetMetric() {
		durations[labelOf(s, "operation")] = s.GetHistogram().GetSampleCount()
	}
	return requests, durations
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestMetricsCountByOperationAndCode(t *testing.T) {
	e := newEnv(t, nil)
	m := instrument(e)
	e.open(`{"destinationConfig": {"services": ["SSH"]}}`)
	e.open(`{"destinationConfig": {"services": ["SSH"]}}`)
	wantError(t, e.call("DescribeTunnel", `{"tunnelId":"00000000-0000-0000-0000-000000000000"}`), 400, codeResourceNotFound)
	wantError(t, e.call("OpenTunnel", `{"destinationConfig": {"services": []}}`), 400, codeValidation)
	wantError(t, e.call("Bogus", `{}`), 400, codeUnknownOperation)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/", nil)
	req.Header.Set("X-Amz-Target", TargetPrefix+"ListTunnels")
	wantError(t, e.do(req), 405, codeUnknownOperation)

	requests, durations := apiSeries(t, m)
	for key, want := range map[string]uint64{
		"OpenTunnel 200":                           2,
		"OpenTunnel ValidationException":           1,
		"DescribeTunnel ResourceNotFoundException": 1,
		"unknown UnknownOperationException":        1,
		"ListTunnels UnknownOperationException":    1,
		"ListTunnels 200":                          0,
		"RotateTunnelAccessToken 200":              0,
		"unknown 200":                              0,
	} {
		if got, ok := requests[key]; !ok || got != want {
			t.Errorf("adit_api_requests_total{%s} = %d (present %v), want %d", key, got, ok, want)
		}
	}
	for op, want := range map[string]uint64{"OpenTunnel": 3, "DescribeTunnel": 1, "unknown": 1, "ListTunnels": 1, "TagResource": 0} {
		if got := durations[op]; got != want {
			t.Errorf("adit_api_request_duration_seconds_count{operation=%q} = %d, want %d", op, got, want)
		}
	}
	if len(durations) != len(operations)+1 {
		t.Errorf("duration series for %d operations, want %d: %v", len(durations), len(operations)+1, durations)
	}
}

func TestMetricsCountAccessDenied(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = rejectAll{errors.New("no")} })
	m := instrument(e)
	wantError(t, e.call("ListTunnels", `{}`), 403, codeAccessDenied)
	if requests, _ := apiSeries(t, m); requests["ListTunnels AccessDeniedException"] != 1 {
		t.Errorf("adit_api_requests_total = %v, want ListTunnels AccessDeniedException 1", requests)
	}
}

// BenchmarkMetricsWrap is the cost Metrics.Wrap adds to a call, around a
// handler that does nothing: bare, then wrapped with a success, then
// wrapped with an error code already in the response header.
func BenchmarkMetricsWrap(b *testing.B) {
	nop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	m := NewMetrics()
	for _, c := range []struct {
		name string
		h    http.Handler
		code string
	}{{"bare", nop, ""}, {"wrapped_ok", m.Wrap(nop), ""}, {"wrapped_error", m.Wrap(nop), codeResourceNotFound}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.Header.Set("X-Amz-Target", TargetPrefix+"DescribeTunnel")
			w := httptest.NewRecorder()
			if c.code != "" {
				w.Header()[headerErrorType] = []string{c.code}
			}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
