package agent

import (
	"strings"
	"testing"
)

func TestParseServiceMap(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		fail bool
	}{
		{"SSH=22,HTTP=127.0.0.1:8080,DB=/run/db.sock", 3, false},
		{"22", 1, false},
		{" SSH = 22 , ", 1, false},
		{"", 0, true},
		{"SSH=22,SSH=23", 0, true},
		{"SSH=0", 0, true},
		{"SSH=", 0, true},
		{"S H=22", 0, true},
		{"SSH=22=3", 0, true},
		{"SSH=host:notaport", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseServiceMap(tt.in)
		if (err != nil) != tt.fail || len(got) != tt.n {
			t.Errorf("ParseServiceMap(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestParseNotification(t *testing.T) {
	m, _ := ParseServiceMap("22")
	if _, err := parse([]byte(`{"clientAccessToken":"t","clientMode":"destination","services":["A","B"]}`), m); err == nil {
		t.Error("single-port map accepted two services")
	}
	r, err := parse([]byte(`{"clientAccessToken":"t","clientMode":"destination","services":["VNC","SSH"],"extra":1}`), DefaultServices)
	if err != nil || r.key != "SSH,VNC" {
		t.Errorf("parse = %+v, %v", r, err)
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	single, _ := ParseServiceMap("22")
	for _, tt := range []struct {
		name, payload, reason string
	}{
		{"region", `{"clientAccessToken":"t","clientMode":"destination","region":"US East","services":["SSH"]}`, `invalid region "US East"`},
		{"service id", `{"clientAccessToken":"t","clientMode":"destination","services":["a b"]}`, `invalid service id "a b"`},
		{"empty service id", `{"clientAccessToken":"t","clientMode":"destination","services":[""]}`, `invalid service id ""`},
		{"long service id", `{"clientAccessToken":"t","clientMode":"destination","services":["` + strings.Repeat("s", 129) + `"]}`, "invalid service id"},
	} {
		if _, err := parse([]byte(tt.payload), single); err == nil || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: parse = %v, want an error containing %q", tt.name, err, tt.reason)
		}
	}
}
