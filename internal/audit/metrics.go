package audit

import "github.com/prometheus/client_golang/prometheus"

// Collectors returns the log's counters as Prometheus collectors, read
// when they are collected. A nil Log (auditing off) has none.
func (l *Log) Collectors() []prometheus.Collector {
	if l == nil {
		return nil
	}
	counter := func(name, help string, load func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(load()) })
	}
	return []prometheus.Collector{
		counter("adit_audit_events_total", "Audit events written.", l.events.Load),
		counter("adit_audit_dropped_total", "Audit events dropped because the writer fell behind.", l.dropped.Load),
		counter("adit_audit_write_errors_total", "Audit events that could not be encoded or written.", l.failed.Load),
	}
}
