package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// cannedServer is a stand-in for tunneld: it answers each of the eight
// operations with fixed AWS-shaped JSON chosen by the request body (tunnel
// id, thing name, resource ARN, ...) and records every request.
type cannedServer struct {
	mu       sync.Mutex
	requests []recorded
}

// recorded is one request as the server saw it.
type recorded struct {
	Target string
	Body   string
}

func (s *cannedServer) take() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

// cannedReply is a status, an optional error type header and a body.
type cannedReply struct {
	status int
	etype  string
	body   string
	delay  time.Duration
}

func ok(body string) cannedReply { return cannedReply{status: 200, body: body} }

func fail(status int, code, msg string) cannedReply {
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	short := code[strings.LastIndex(code, "#")+1:]
	return cannedReply{status: status, etype: short, body: string(b)}
}

const arn = "arn:aws:iot:us-east-1:123456789012:tunnel/"

// Tunnel data: nested structures, Unicode, float and integer timestamps,
// members in a different order than the model and unmodelled members.
const fullTunnel = `{"tunnel": {"tunnelId": "t-full", "extra": {"x": 1},
 "tunnelArn": "` + arn + `t-full", "status": "OPEN",
 "sourceConnectionState": {"status": "CONNECTED", "lastUpdatedAt": 1700000100.5},
 "destinationConnectionState": {"lastUpdatedAt": 1700000000, "status": "DISCONNECTED"},
 "description": "caf\u00e9 \u96a7\u9053 \ud83d\ude80 \u00fcber-tunnel \"quoted\"",
 "destinationConfig": {"thingName": "dev1", "services": ["SSH", "HTTP", "RDP"]},
 "timeoutConfig": {"maxLifetimeTimeoutMinutes": 720},
 "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": ""}, {"key": "\u540d\u524d", "value": "\u5024"}],
 "createdAt": 1.7000000001234E9, "lastUpdatedAt": 1700000200.0}}`

const summaries = `{"tunnelSummaries": [
 {"tunnelId": "t-2", "tunnelArn": "` + arn + `t-2", "status": "OPEN", "description": "second", "createdAt": 1700000300.25, "lastUpdatedAt": 1700000300.25},
 {"tunnelId": "t-1", "tunnelArn": "` + arn + `t-1", "status": "CLOSED", "createdAt": 1700000000, "lastUpdatedAt": 1700000400.5}]}`

func (s *cannedServer) reply(op string, req map[string]any) cannedReply {
	str := func(k string) string { v, _ := req[k].(string); return v }
	notFound := fail(400, "com.amazonaws.iot.securedtunneling#ResourceNotFoundException", "Tunnel "+str("tunnelId")+" not found")
	switch op {
	case "OpenTunnel":
		if str("description") == "limit" {
			return fail(400, "LimitExceededException", "Open tunnel limit of 10000 reached")
		}
		return ok(`{"tunnelId": "t-new", "tunnelArn": "` + arn + `t-new", "sourceAccessToken": "AQGAAXiR-src-token", "destinationAccessToken": "AQGAAXiR-dst-token"}`)
	case "DescribeTunnel":
		switch str("tunnelId") {
		case "t-full":
			return ok(fullTunnel)
		case "t-min":
			return ok(`{"tunnel": {"status": "CLOSED", "tunnelId": "t-min"}}`)
		case "t-bare":
			return cannedReply{status: 404, body: `{"message": "no such tunnel"}`}
		case "t-notjson":
			return ok(`this is not json`)
		case "t-list":
			return ok(`[]`)
		case "t-500":
			return cannedReply{status: 500}
		case "t-503":
			return cannedReply{status: 503, body: "<html><body>unavailable</body></html>"}
		case "t-throttle":
			return fail(400, "ThrottlingException", "Rate exceeded")
		case "t-slow":
			return cannedReply{status: 200, body: fullTunnel, delay: 2500 * time.Millisecond}
		}
		return notFound
	case "ListTunnels":
		switch str("thingName") {
		case "none":
			return ok(`{"tunnelSummaries": []}`)
		case "paged":
			return ok(`{"nextToken": "next-page", "tunnelSummaries": [{"tunnelId": "t-3", "status": "OPEN", "createdAt": 1.7e9}]}`)
		}
		return ok(summaries)
	case "CloseTunnel", "TagResource", "UntagResource":
		if str("tunnelId") == "t-missing" || str("resourceArn") == "arn:missing" {
			return notFound
		}
		return ok(`{}`)
	case "RotateTunnelAccessToken":
		if str("tunnelId") == "t-missing" {
			return notFound
		}
		return ok(`{"tunnelArn": "` + arn + str("tunnelId") + `", "sourceAccessToken": "AQGA-rotated-src", "destinationAccessToken": "AQGA-rotated-dst"}`)
	case "ListTagsForResource":
		switch str("resourceArn") {
		case "arn:missing":
			return notFound
		case "arn:empty":
			return ok(`{"tags": []}`)
		}
		return ok(`{"tags": [{"key": "env", "value": "prod"}, {"key": "owner", "value": "Zo\u00eb"}]}`)
	}
	return fail(400, "UnknownOperationException", "unknown operation "+op)
}

func (s *cannedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	s.mu.Lock()
	s.requests = append(s.requests, recorded{Target: target, Body: string(body)})
	s.mu.Unlock()
	var req map[string]any
	_ = json.Unmarshal(body, &req)
	rep := s.reply(strings.TrimPrefix(target, "IoTSecuredTunneling."), req)
	select {
	case <-time.After(rep.delay):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
	if rep.etype != "" {
		w.Header().Set("X-Amzn-ErrorType", rep.etype)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}
