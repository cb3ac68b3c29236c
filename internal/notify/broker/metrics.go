package broker

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the broker's /metrics figures.
type counters struct {
	authFailures      [3]atomic.Int64 // by method index
	subscribeRefused  atomic.Int64
	connsRefused      atomic.Int64
	revokedDisconnect atomic.Int64
	reloads           atomic.Int64
	reloadErrors      atomic.Int64
}

// Authentication methods, as AuthFailure.Method reports them.
const (
	MethodPassword    = "password"
	MethodCertificate = "certificate"
	MethodAnonymous   = "anonymous"
)

var methods = [3]string{MethodPassword, MethodCertificate, MethodAnonymous}

func methodIndex(m string) int {
	for i, x := range methods {
		if x == m {
			return i
		}
	}
	return 0
}

// AuthFailures returns the number of refused MQTT logins so far.
func (b *Broker) AuthFailures() int64 {
	var n int64
	for i := range b.m.authFailures {
		n += b.m.authFailures[i].Load()
	}
	return n
}

// Collectors returns the metrics of the broker that get returns, as
// Prometheus collectors read when they are collected. get may return nil
// (a broker not started yet): every value is 0 then. The broker is a
// function because a server registers its metrics before it starts the
// broker.
func Collectors(get func() *Broker) []prometheus.Collector {
	read := func(v func(b *Broker) int64) func() float64 {
		return func() float64 {
			if b := get(); b != nil {
				return float64(v(b))
			}
			return 0
		}
	}
	counter := func(name, help string, v func(b *Broker) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, read(v))
	}
	gauge := func(name, help string, v func(b *Broker) int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read(v))
	}
	var cs []prometheus.Collector
	for i, m := range methods {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "adit_mqtt_auth_failures_total",
			Help: "Refused MQTT logins, by method.", ConstLabels: prometheus.Labels{"method": m}},
			read(func(b *Broker) int64 { return b.m.authFailures[i].Load() })))
	}
	return append(cs,
		counter("adit_mqtt_subscriptions_refused_total", "Subscriptions refused by the topic ACL.",
			func(b *Broker) int64 { return b.m.subscribeRefused.Load() }),
		counter("adit_mqtt_connections_refused_total", "Connections closed because the connection cap was reached.",
			func(b *Broker) int64 { return b.m.connsRefused.Load() }),
		counter("adit_mqtt_revoked_disconnects_total", "Sessions ended because their credential was revoked or changed.",
			func(b *Broker) int64 { return b.m.revokedDisconnect.Load() }),
		counter("adit_mqtt_device_reloads_total", "Device files loaded.",
			func(b *Broker) int64 { return b.m.reloads.Load() }),
		counter("adit_mqtt_device_reload_errors_total", "Device files rejected (the previous one stayed in force).",
			func(b *Broker) int64 { return b.m.reloadErrors.Load() }),
		counter("adit_mqtt_messages_dropped_total", "Messages not queued for a client because its per-client bound was reached.",
			func(b *Broker) int64 {
				return atomic.LoadInt64(&b.srv.Info.MessagesDropped) + atomic.LoadInt64(&b.srv.Info.InflightDropped)
			}),
		gauge("adit_mqtt_devices", "Devices in the device file in force.",
			func(b *Broker) int64 { return int64(b.hook.devices.Load().Len()) }),
		gauge("adit_mqtt_clients_connected", "Authenticated MQTT clients connected.",
			func(b *Broker) int64 { return atomic.LoadInt64(&b.srv.Info.ClientsConnected) }),
	)
}
