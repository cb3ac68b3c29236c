package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/adit-project/adit/internal/api"
	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/store/storemetrics"
)

// promState is the server's Prometheus side: one registry per Server (tests
// run many servers in one process, so never the global one), the API's
// instruments and the /metrics handler.
type promState struct {
	reg     *prometheus.Registry
	api     *api.Metrics
	handler http.Handler
}

// instrument creates the registry with the Go runtime and process
// collectors, and wraps the store so that its calls are timed. build calls
// it before anything takes hold of the store.
func (s *Server) instrument() error {
	reg := prometheus.NewRegistry()
	sm := storemetrics.New()
	s.prom = promState{reg: reg, api: api.NewMetrics()}
	s.store = sm.Wrap(s.store)
	return register(reg, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), sm, s.prom.api)
}

// registerMetrics adds the collectors of the built components and creates
// the /metrics handler; build calls it last. Every collector reads its
// component's counters at scrape time.
func (s *Server) registerMetrics() error {
	cs := append([]prometheus.Collector{s.relay.Collector(), gateCollector{s}}, s.audit.Collectors()...)
	if s.node != nil {
		cs = append(cs, s.node.Collector())
	}
	if s.mq.pub != nil {
		cs = append(cs, s.mq.pub.Collectors()...)
		if s.cfg.mqttEmbedded() {
			cs = append(cs, broker.Collectors(s.embeddedBroker)...)
		}
	}
	if err := register(s.prom.reg, cs...); err != nil {
		return err
	}
	s.prom.handler = promhttp.HandlerFor(s.prom.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.With("component", "metrics").Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError, // a failing collector costs its series, not the scrape
	})
	return nil
}

func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	return nil
}

// embeddedBroker returns the embedded broker once Serve has started it,
// else nil.
func (s *Server) embeddedBroker() *broker.Broker {
	select {
	case <-s.mq.ready:
		return s.mq.b
	default:
		return nil
	}
}

// The listeners' gate families (gate.go).
var (
	descUnauthConns = prometheus.NewDesc("adit_unauthenticated_connections",
		"Connections not yet authenticated, by listener.", []string{"listener"}, nil)
	descRefusedConns = prometheus.NewDesc("adit_refused_connections_total",
		"Connections closed at once because the listener's unauthenticated cap was reached.", []string{"listener"}, nil)
)

// gateCollector reads the listeners' connection gates at scrape time.
type gateCollector struct{ s *Server }

func (g gateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUnauthConns
	ch <- descRefusedConns
}

func (g gateCollector) Collect(ch chan<- prometheus.Metric) {
	g.s.mu.Lock()
	gates := g.s.gates
	g.s.mu.Unlock()
	for _, gt := range gates {
		unauth, refused := gt.counts()
		ch <- prometheus.MustNewConstMetric(descUnauthConns, prometheus.GaugeValue, float64(unauth), gt.name)
		ch <- prometheus.MustNewConstMetric(descRefusedConns, prometheus.CounterValue, float64(refused), gt.name)
	}
}
