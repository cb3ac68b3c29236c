package notify

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// publishBuckets span a broker on loopback (well under a millisecond) to
// one that answers at the end of AttemptTimeout.
var publishBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// counters are the publisher's /metrics figures.
type counters struct {
	queued, published, failed, dropped, retries atomic.Int64

	attempts   *prometheus.HistogramVec
	attemptOK  prometheus.Observer
	attemptErr prometheus.Observer
}

func (m *counters) init() {
	m.attempts = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "adit_mqtt_publish_duration_seconds",
		Help:    "Time of one publish attempt until the broker's acknowledgement or the error, by result.",
		Buckets: publishBuckets,
	}, []string{"result"})
	m.attemptOK = m.attempts.WithLabelValues("ok")
	m.attemptErr = m.attempts.WithLabelValues("error")
}

// attemptDone records one publish attempt that began at start.
func (m *counters) attemptDone(start time.Time, err error) {
	o := m.attemptOK
	if err != nil {
		o = m.attemptErr
	}
	o.Observe(time.Since(start).Seconds())
}

// Collectors returns the publisher's metrics as Prometheus collectors;
// the counters are read when they are collected.
func (p *Publisher) Collectors() []prometheus.Collector {
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v.Load()) })
	}
	return []prometheus.Collector{
		counter("adit_mqtt_notifications_queued_total", "Notifications accepted into the publish queue.", &p.m.queued),
		counter("adit_mqtt_notifications_published_total", "Notifications the broker accepted.", &p.m.published),
		counter("adit_mqtt_notifications_failed_total", "Notifications given up after retrying.", &p.m.failed),
		counter("adit_mqtt_notifications_dropped_total", "Notifications dropped because the queue was full.", &p.m.dropped),
		counter("adit_mqtt_publish_retries_total", "Failed publish attempts that were retried.", &p.m.retries),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "adit_mqtt_queue_length", Help: "Notifications waiting to be published."},
			func() float64 { return float64(len(p.queue)) }),
		p.m.attempts,
	}
}
