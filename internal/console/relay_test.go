package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// startTerminal dials a real tunneld's terminal and sends a start message.
func startTerminal(t *testing.T, in *servertest.Instance, token, service string) map[string]any {
	t.Helper()
	h := http.Header{"Origin": {in.URL}}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(in.URL, "http")+"/console/terminal", h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteJSON(map[string]any{"type": "start", "token": token, "service": service, "user": "u", "password": "p", "cols": 80, "rows": 24})
	return endOf(t, ws)
}

func TestTerminalTokenAndServiceErrors(t *testing.T) {
	in := servertest.Start(t, server.Config{MQTTListen: "off"})
	end := startTerminal(t, in, "AQGAAXi-not-a-valid-token", "SSH")
	if r, _ := end["reason"].(string); !strings.Contains(r, "refused the source token") {
		t.Errorf("bad token: end %v", end)
	}
	tun := in.OpenTunnel(t, "VNC")
	end = startTerminal(t, in, tun.SourceAccessToken, "SSH")
	if r, _ := end["reason"].(string); !strings.Contains(r, `the tunnel has no service "SSH" (its services: VNC)`) {
		t.Errorf("missing service: end %v", end)
	}
}
