package agent

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// FuzzParseNotification feeds arbitrary MQTT payloads to parse, against a
// named service map or a single-port one, and checks that a payload is
// either refused with an error or yields a request that matches the
// payload and survives a round trip; that the outcome depends only on the
// decoded message; and that it never depends on the token. The seed
// corpus is in testdata/fuzz/FuzzParseNotification.
func FuzzParseNotification(f *testing.F) {
	named := []localproxy.Service{{ID: "SSH", Addr: "22"}, {ID: "VNC", Addr: "5900"}, {ID: "HTTP", Addr: "/run/http.sock"}}
	single := []localproxy.Service{{Addr: "22"}}
	f.Add([]byte(`{"clientAccessToken":"adt1.tok","clientMode":"destination","region":"us-east-1","services":["SSH"]}`), false)
	f.Fuzz(func(t *testing.T, payload []byte, singlePort bool) {
		services := named
		if singlePort {
			services = single
		}
		req, err := parse(payload, services)
		var m notifymsg.Message
		if json.Unmarshal(payload, &m) != nil {
			if err == nil {
				t.Fatalf("parse accepted %q, which is not a JSON notification", payload)
			}
			return
		}
		checkDecodedOnly(t, m, services, req, err)
		if err != nil {
			checkTokenIndependent(t, m, services, err)
			return
		}
		checkAccepted(t, m, services, req)
	})
}

// encode is the payload tunneld would send for m.
func encode(t *testing.T, m notifymsg.Message) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %+v: %v", m, err)
	}
	return b
}

// checkDecodedOnly checks that parse's outcome for a payload is its
// outcome for the payload's decoded message, encoded afresh: unknown
// fields, key case and spacing make no difference.
func checkDecodedOnly(t *testing.T, m notifymsg.Message, services []localproxy.Service, req request, err error) {
	req2, err2 := parse(encode(t, m), services)
	if errString(err) != errString(err2) || !reflect.DeepEqual(req, req2) {
		t.Fatalf("payload and its re-encoding %+v parse differently: %+v, %v and %+v, %v", m, req, err, req2, err2)
	}
}

// checkTokenIndependent checks that a refusal is the same with another
// token: the error neither contains nor depends on it.
func checkTokenIndependent(t *testing.T, m notifymsg.Message, services []localproxy.Service, err error) {
	if m.ClientAccessToken == "" {
		return
	}
	m.ClientAccessToken = "adt1.another-token"
	if _, err2 := parse(encode(t, m), services); errString(err2) != err.Error() {
		t.Fatalf("the token changes the outcome: %v, then %v", err, err2)
	}
}

// checkAccepted checks an accepted request against the message: token,
// mode, services (valid, sorted, unique, mapped), region, key, and that
// the request's own notification parses to the same request.
func checkAccepted(t *testing.T, m notifymsg.Message, services []localproxy.Service, req request) {
	switch {
	case m.ClientMode != notifymsg.ClientModeDestination:
		t.Fatalf("accepted clientMode %q", m.ClientMode)
	case req.token == "" || req.token != m.ClientAccessToken:
		t.Fatalf("token %q, payload has %q", req.token, m.ClientAccessToken)
	case m.Region != "" && !regionRE.MatchString(m.Region):
		t.Fatalf("accepted region %q", m.Region)
	case len(req.services) == 0 || !slices.IsSorted(req.services) || len(slices.Compact(slices.Clone(req.services))) != len(req.services):
		t.Fatalf("services %q: want a sorted set", req.services)
	case !slices.Equal(req.services, slices.Sorted(slices.Values(m.Services))):
		t.Fatalf("services %q, payload has %q", req.services, m.Services)
	case req.key != strings.Join(req.services, ","):
		t.Fatalf("key %q for services %q", req.key, req.services)
	}
	for _, s := range req.services {
		if !localproxy.ValidServiceID(s) {
			t.Fatalf("accepted service id %q", s)
		}
	}
	checkMapping(t, services, req)
	back := notifymsg.Message{ClientAccessToken: req.token, ClientMode: notifymsg.ClientModeDestination, Region: m.Region, Services: req.services}
	again, err := parse(encode(t, back), services)
	if err != nil || !reflect.DeepEqual(again, req) {
		t.Fatalf("round trip of %+v: %+v, %v", req, again, err)
	}
}

// checkMapping checks that every service of req has its own endpoint from
// the service map (a single-port map serves exactly one service).
func checkMapping(t *testing.T, services []localproxy.Service, req request) {
	if len(services) == 1 && services[0].ID == "" {
		if len(req.services) != 1 || !slices.Equal(req.mapping, services) {
			t.Fatalf("single-port map: services %q, mapping %v", req.services, req.mapping)
		}
		return
	}
	if len(req.mapping) != len(req.services) {
		t.Fatalf("mapping %v for services %q", req.mapping, req.services)
	}
	for i, s := range req.mapping {
		if s.ID != req.services[i] || !slices.Contains(services, s) {
			t.Fatalf("mapping %v for services %q", req.mapping, req.services)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
