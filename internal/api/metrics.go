package api

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// opUnknown labels calls whose X-Amz-Target names no operation, so that a
// client cannot create series at will.
const opUnknown = "unknown"

// codeOK is the code label of a successful call.
const codeOK = "200"

// apiBuckets span a cached read (about a hundred microseconds) to a call
// held up by a slow store.
var apiBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics counts and times API calls by operation, in
// adit_api_requests_total{operation,code} (code "200" or the AWS error
// code) and adit_api_request_duration_seconds{operation}. It is a
// prometheus.Collector; Wrap puts it in front of a Handler.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ops      map[string]*opMetrics // by operation label, read-only after NewMetrics
}

// opMetrics are one operation's series, resolved once so that a call
// looks up no label values.
type opMetrics struct {
	name     string
	ok       prometheus.Counter
	duration prometheus.Observer
	errs     sync.Map // error code -> prometheus.Counter
}

// NewMetrics returns Metrics with the series of every operation created
// (at zero), so rates exist before the first call.
func NewMetrics() *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "adit_api_requests_total",
			Help: `API calls by operation and result: code "200" or the AWS error code returned.`,
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "adit_api_request_duration_seconds",
			Help:    "Time from an API request's arrival to its response, by operation.",
			Buckets: apiBuckets,
		}, []string{"operation"}),
		ops: make(map[string]*opMetrics, len(operations)+1),
	}
	for name := range operations {
		m.addOp(name)
	}
	m.addOp(opUnknown)
	return m
}

func (m *Metrics) addOp(name string) {
	m.ops[name] = &opMetrics{name: name, ok: m.requests.WithLabelValues(name, codeOK),
		duration: m.duration.WithLabelValues(name)}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.duration.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.duration.Collect(ch)
}

// Wrap returns next with every call counted and timed. The operation is
// the one X-Amz-Target names ("unknown" if none), whether or not the call
// got that far; the code is the X-Amzn-ErrorType next answered with, or
// "200". It reads what next wrote and changes nothing in the response.
func (m *Metrics) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		//lint:ignore SA1008 the handler sets this key verbatim, in the AWS spelling
		m.observe(r, w.Header()[headerErrorType], time.Since(start))
	})
}

func (m *Metrics) observe(r *http.Request, errType []string, d time.Duration) {
	om := m.ops[opUnknown]
	if name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix); ok {
		if o := m.ops[name]; o != nil {
			om = o
		}
	}
	om.duration.Observe(d.Seconds())
	if len(errType) == 0 || errType[0] == "" {
		om.ok.Inc()
		return
	}
	m.errCounter(om, errType[0]).Inc()
}

// errCounter returns the counter of om's calls that failed with code. The
// codes come from the handler's own error table, so they are few.
func (m *Metrics) errCounter(om *opMetrics, code string) prometheus.Counter {
	if c, ok := om.errs.Load(code); ok {
		return c.(prometheus.Counter)
	}
	c, _ := om.errs.LoadOrStore(code, m.requests.WithLabelValues(om.name, code))
	return c.(prometheus.Counter)
}
