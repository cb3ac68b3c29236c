// Package listenlog reads the addresses that adit's programs report when
// they start listening. Every listening socket is reported by one
// log/slog line at level INFO, in the text or the JSON format the program
// was started with, and these lines are the supported way for scripts and
// tests to learn a port the OS chose (a listen address with port 0):
//
//	tunneld     msg="tunneld listening" addr=HOST:PORT                 API (and data plane)
//	tunneld     msg="embedded MQTT broker listening" addr=HOST:PORT    --mqtt-listen
//	tunneld     msg="pprof listening" addr=HOST:PORT                   --pprof-listen
//	localproxy  msg=listening service_id=ID addr=HOST:PORT             a source port from -s
//	localproxy  msg="Listen port assigned for service id ID" service_id=ID addr=HOST:PORT
//
// The last form is a source port the OS chose (a source without -s
// mappings, or one with --stdio); its message is the reference
// localproxy's. tunnelagent binds no socket. Parse reads one such line.
package listenlog

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
)

// Kind says which socket an Event is about.
type Kind string

// The kinds of listening socket the programs report.
const (
	API    Kind = "api"    // tunneld's API (and data-plane) listener
	MQTT   Kind = "mqtt"   // tunneld's embedded MQTT broker
	Pprof  Kind = "pprof"  // tunneld's --pprof-listen server
	Source Kind = "source" // a source localproxy's port for one service
)

// assignedPrefix starts the message of a source port the OS chose.
const assignedPrefix = "Listen port assigned for service id "

// Event is one listening socket a program reported.
type Event struct {
	Kind Kind
	// ServiceID is the service of a Source port ("" for a mapping
	// without a service id).
	ServiceID string
	// Addr is the bound address, host:port, with the port the OS chose.
	Addr string
}

// Parse reads one log line. ok is false unless the line is a listening
// report with a well-formed host:port address.
func Parse(line string) (ev Event, ok bool) {
	a := attrs(line)
	if a == nil {
		return Event{}, false
	}
	msg := a["msg"]
	switch {
	case msg == "tunneld listening":
		ev.Kind = API
	case msg == "embedded MQTT broker listening":
		ev.Kind = MQTT
	case msg == "pprof listening":
		ev.Kind = Pprof
	case msg == "listening" || strings.HasPrefix(msg, assignedPrefix):
		ev.Kind, ev.ServiceID = Source, a["service_id"]
	default:
		return Event{}, false
	}
	ev.Addr = a["addr"]
	if _, port, err := net.SplitHostPort(ev.Addr); err != nil || port == "" {
		return Event{}, false
	}
	return ev, true
}

// attrs returns the string attributes of a slog line (JSON or text), or
// nil if the line is neither.
func attrs(line string) map[string]string {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "{") {
		return jsonAttrs(line)
	}
	return textAttrs(line)
}

// jsonAttrs reads the top-level string fields of a JSON log line.
func jsonAttrs(line string) map[string]string {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		}
	}
	return out
}

// textAttrs reads the key=value pairs of a slog text line; a value is
// either a Go-quoted string or runs to the next space.
func textAttrs(line string) map[string]string {
	out := map[string]string{}
	for line != "" {
		eq := strings.IndexByte(line, '=')
		if eq <= 0 || strings.ContainsAny(line[:eq], " \"") {
			return nil
		}
		key, rest := line[:eq], line[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil
			}
			val, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else if sp := strings.IndexByte(rest, ' '); sp >= 0 {
			val, rest = rest[:sp], rest[sp:]
		} else {
			val, rest = rest, ""
		}
		if rest != "" && rest[0] != ' ' {
			return nil
		}
		out[key] = val
		line = strings.TrimLeft(rest, " ")
	}
	return out
}
