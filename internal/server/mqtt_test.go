package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

func TestMQTTConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  server.Config
		want string
	}{
		{server.Config{MQTTListen: "127.0.0.1:0", MQTTClientCA: "ca.pem"}, "mqtt-client-ca needs"},
		{server.Config{MQTTURL: "mqtt://127.0.0.1:1", MQTTClientCA: "ca.pem", MQTTTLS: true, TLSSelfSigned: true}, "mqtt-client-ca needs"},
		{server.Config{MQTTListen: "127.0.0.1:0", MQTTMaxConnections: -1}, "mqtt-max-connections"},
	} {
		c.cfg.DataDir = t.TempDir()
		srv, err := server.New(context.Background(), c.cfg)
		if err == nil {
			srv.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestMQTTAuthFailureReported: a refused login reaches OnMQTTAuthFailure
// and /metrics.
func TestMQTTAuthFailureReported(t *testing.T) {
	fails := make(chan broker.AuthFailure, 4)
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0", OnMQTTAuthFailure: func(f broker.AuthFailure) { fails <- f }})
	conn, err := net.DialTimeout("tcp", in.Server.MQTTAddr(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "anon", CleanStart: true, KeepAlive: 30}); err == nil {
		t.Fatal("anonymous login accepted by default")
	}
	<-c.Done()
	select {
	case f := <-fails:
		if f.Method != broker.MethodAnonymous || f.ClientID != "anon" {
			t.Errorf("failure %+v", f)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnMQTTAuthFailure not called")
	}
	resp, err := in.Client.Get(in.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `adit_mqtt_auth_failures_total{method="anonymous"} 1`) {
		t.Errorf("/metrics lacks the refused login:\n%s", body)
	}
}

// TestMQTTStartWarnings: anonymous access and the shared login are
// announced at start as able to read every device's notifications.
func TestMQTTStartWarnings(t *testing.T) {
	var logs looptest.SyncBuffer
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0", MQTTAllowAnonymous: true,
		MQTTUsername: "fleet", MQTTPassword: "fleet-secret",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	in.Server.MQTTAddr()
	for _, want := range []string{"admits anonymous clients", "shared mqtt-username login can read every device"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start log lacks %q:\n%s", want, logs.String())
		}
	}
}
