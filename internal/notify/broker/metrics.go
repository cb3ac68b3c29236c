package broker

import (
	"fmt"
	"io"
	"sync/atomic"
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

// WriteMetrics writes the broker's counters in the Prometheus text format.
func (b *Broker) WriteMetrics(w io.Writer) {
	const af = "adit_mqtt_auth_failures_total"
	fmt.Fprintf(w, "# HELP %s Refused MQTT logins, by method.\n# TYPE %s counter\n", af, af)
	for i, m := range methods {
		fmt.Fprintf(w, "%s{method=%q} %d\n", af, m, b.m.authFailures[i].Load())
	}
	for _, m := range []struct {
		name, help, typ string
		v               int64
	}{
		{"adit_mqtt_subscriptions_refused_total", "Subscriptions refused by the topic ACL.", "counter", b.m.subscribeRefused.Load()},
		{"adit_mqtt_connections_refused_total", "Connections closed because the connection cap was reached.", "counter", b.m.connsRefused.Load()},
		{"adit_mqtt_revoked_disconnects_total", "Sessions ended because their credential was revoked or changed.", "counter", b.m.revokedDisconnect.Load()},
		{"adit_mqtt_device_reloads_total", "Device files loaded.", "counter", b.m.reloads.Load()},
		{"adit_mqtt_device_reload_errors_total", "Device files rejected (the previous one stayed in force).", "counter", b.m.reloadErrors.Load()},
		{"adit_mqtt_messages_dropped_total", "Messages not queued for a client because its per-client bound was reached.", "counter",
			atomic.LoadInt64(&b.srv.Info.MessagesDropped) + atomic.LoadInt64(&b.srv.Info.InflightDropped)},
		{"adit_mqtt_devices", "Devices in the device file in force.", "gauge", int64(b.hook.devices.Load().Len())},
		{"adit_mqtt_clients_connected", "Authenticated MQTT clients connected.", "gauge", atomic.LoadInt64(&b.srv.Info.ClientsConnected)},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", m.name, m.help, m.name, m.typ, m.name, m.v)
	}
}
