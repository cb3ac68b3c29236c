package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/wire"
)

// auditEvent is the part of an audit line the tests check.
type auditEvent struct {
	EventName         string         `json:"eventName"`
	EventSource       string         `json:"eventSource"`
	EventType         string         `json:"eventType"`
	EventTime         string         `json:"eventTime"`
	EventID           string         `json:"eventID"`
	RequestID         string         `json:"requestID"`
	AWSRegion         string         `json:"awsRegion"`
	SourceIPAddress   string         `json:"sourceIPAddress"`
	UserAgent         string         `json:"userAgent"`
	ErrorCode         string         `json:"errorCode"`
	ErrorMessage      string         `json:"errorMessage"`
	RequestParameters map[string]any `json:"requestParameters"`
	ResponseElements  map[string]any `json:"responseElements"`
	Additional        map[string]any `json:"additionalEventData"`
	UserIdentity      struct {
		Type, ARN, UserName, AccessKeyID string
	} `json:"userIdentity"`
}

// readAudit waits (bounded) until the log holds an event of each of the
// names (events of one connection are written as they happen, so their
// order across components is not fixed), then returns every event.
func readAudit(t *testing.T, path string, names ...string) []auditEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := parseAudit(t, path)
		seen := map[string]bool{}
		for _, e := range evs {
			seen[e.EventName] = true
		}
		missing := 0
		for _, n := range names {
			if !seen[n] {
				missing++
			}
		}
		if missing == 0 {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit log %s: %d of the events %v never came; it holds %d events", path, missing, names, len(evs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func parseAudit(t *testing.T, path string) []auditEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		evs = append(evs, e)
	}
	return evs
}

func find(evs []auditEvent, ok func(auditEvent) bool) (auditEvent, bool) {
	for _, e := range evs {
		if ok(e) {
			return e, true
		}
	}
	return auditEvent{}, false
}

// TestAuditLogEveryEventKind: an API call refused for its signature, an
// allowed OpenTunnel, a data-plane connection accepted, refused and ended,
// and a refused MQTT login each leave one audit line with CloudTrail's
// field names, and no line holds a token.
func TestAuditLogEveryEventKind(t *testing.T) {
	requireTool(t, "aws CLI v1", "aws", "--version")
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	in := servertest.Start(t, server.Config{AuditLog: path, MQTTListen: "127.0.0.1:0"})
	env := in.Env(t)

	bad := append(append([]string(nil), env...), "AWS_ACCESS_KEY_ID="+in.Key.AccessKeyID, "AWS_SECRET_ACCESS_KEY=wrong-secret",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
	if r := awsCLI(t, in, bad, "list-tunnels"); r.code == 0 {
		t.Fatalf("a wrong secret was accepted: %s", r.stdout)
	}
	open := mustJSON(t, in, env, "open-tunnel", "--destination-config", "thingName=dev-audit,services=SSH")
	id := open["tunnelId"].(string)
	src, dst := open["sourceAccessToken"].(string), open["destinationAccessToken"].(string)

	sent := dataPlaneSession(t, in, src)
	mqttWrongPassword(t, in.Server.MQTTAddr())

	evs := readAudit(t, path, "ListTunnels", "OpenTunnel", "TunnelConnect", "TunnelConnectRejected",
		"TunnelDisconnect", "MqttAuthenticationFailure")
	raw, _ := os.ReadFile(path)
	for _, tok := range []string{src, dst, "wrong-secret"} {
		if strings.Contains(string(raw), tok) {
			t.Fatal("the audit log holds a secret")
		}
	}
	for _, e := range evs {
		if e.EventTime == "" || e.EventID == "" || e.AWSRegion != "us-east-1" || e.SourceIPAddress != "127.0.0.1" {
			t.Errorf("%s: common fields missing: %+v", e.EventName, e)
		}
	}
	checkAPIEvents(t, evs, in.Key.AccessKeyID, id)
	checkDataPlaneEvents(t, evs, id, sent)
	if e, ok := find(evs, func(e auditEvent) bool { return e.EventName == "MqttAuthenticationFailure" }); !ok ||
		e.EventType != "AditMqttEvent" || e.RequestParameters["username"] != "robot-9" || e.ErrorMessage == "" {
		t.Errorf("MQTT failure event = %+v", e)
	}
}

func checkAPIEvents(t *testing.T, evs []auditEvent, keyID, id string) {
	t.Helper()
	e, ok := find(evs, func(e auditEvent) bool { return e.EventName == "ListTunnels" })
	if !ok || e.ErrorCode != "InvalidSignatureException" || e.UserIdentity.Type != "Unknown" ||
		e.UserIdentity.AccessKeyID != keyID || !strings.HasPrefix(e.UserAgent, "aws-cli/") {
		t.Errorf("refused ListTunnels event = %+v", e)
	}
	e, ok = find(evs, func(e auditEvent) bool { return e.EventName == "OpenTunnel" })
	if !ok || e.ErrorCode != "" || e.EventType != "AwsApiCall" || e.EventSource != "iotsecuredtunneling.amazonaws.com" ||
		e.UserIdentity.Type != "IAMUser" || e.UserIdentity.AccessKeyID != keyID || e.RequestID == "" {
		t.Fatalf("OpenTunnel event = %+v", e)
	}
	if e.ResponseElements["tunnelId"] != id || e.ResponseElements["sourceAccessToken"] != "HIDDEN_DUE_TO_SECURITY_REASONS" {
		t.Errorf("OpenTunnel responseElements = %v", e.ResponseElements)
	}
	if dc, _ := e.RequestParameters["destinationConfig"].(map[string]any); dc["thingName"] != "dev-audit" {
		t.Errorf("OpenTunnel requestParameters = %v", e.RequestParameters)
	}
}

func checkDataPlaneEvents(t *testing.T, evs []auditEvent, id string, sent int) {
	t.Helper()
	is := func(name string) func(auditEvent) bool {
		return func(e auditEvent) bool { return e.EventName == name }
	}
	c, ok := find(evs, is("TunnelConnect"))
	if !ok || c.EventType != "AditDataPlaneEvent" || c.RequestParameters["tunnelId"] != id ||
		c.RequestParameters["clientMode"] != "source" || c.RequestParameters["protocolVersion"] != "3.0" {
		t.Errorf("TunnelConnect event = %+v", c)
	}
	r, ok := find(evs, is("TunnelConnectRejected"))
	if !ok || r.ErrorCode != "token_used" || !strings.Contains(r.ErrorMessage, "previously used") ||
		r.Additional["httpStatus"] != 400.0 {
		t.Errorf("TunnelConnectRejected event = %+v", r)
	}
	d, ok := find(evs, is("TunnelDisconnect"))
	if !ok || d.RequestParameters["tunnelId"] != id || d.Additional["bytesReceived"] != float64(sent) ||
		d.Additional["closeCode"] != 1000.0 || d.Additional["reason"] != "closed_by_peer" || d.Additional["durationMs"] == nil {
		t.Errorf("TunnelDisconnect event = %+v", d)
	}
}

// dataPlaneSession connects a source with the single-use token, sends one
// message, fails to reuse the token, and disconnects. It returns the
// tunnel-frame bytes it sent.
func dataPlaneSession(t *testing.T, in *servertest.Instance, token string) int {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"aws.iot.securetunneling-3.0"}, HandshakeTimeout: 10 * time.Second}
	h := http.Header{"access-token": {token}}
	c, _, err := d.Dial(in.WSURL("source"), h)
	if err != nil {
		t.Fatalf("source connect: %v", err)
	}
	frame, err := wire.AppendFrame(nil, &wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(websocket.BinaryMessage, frame); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Dial(in.WSURL("source"), h); err == nil {
		t.Fatal("a used token connected again")
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	c.Close()
	return len(frame)
}

// mqttWrongPassword logs in to the embedded broker with a wrong password.
func mqttWrongPassword(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.Connect(ctx, &paho.Connect{ClientID: "robot-9", CleanStart: true, KeepAlive: 30,
		Username: "robot-9", UsernameFlag: true, Password: []byte("not-the-password"), PasswordFlag: true})
	if err == nil {
		t.Fatal("a wrong MQTT password was accepted")
	}
}
