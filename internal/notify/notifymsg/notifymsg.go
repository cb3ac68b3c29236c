// Package notifymsg defines the tunnel notification that tunneld publishes
// and tunnelagent consumes over MQTT (docs/PROTOCOL.md §2, D13): the topic
// format and the JSON payload. Device-side code imports it without linking
// the publisher or the embedded broker.
package notifymsg

import (
	"fmt"
	"strings"
)

// DefaultTopic is the AWS IoT notify topic format; %s is the thing name.
const DefaultTopic = "$aws/things/%s/tunnels/notify"

// ClientModeDestination is the only clientMode a notification carries.
const ClientModeDestination = "destination"

// Notification is what tunneld sends to a destination device: the
// destination access token of a tunnel, for the MQTT notify topic.
type Notification struct {
	ThingName string
	Region    string
	// Token is the destination client access token; never log it.
	Token    string
	Services []string
}

// Message is the JSON payload of a notification.
type Message struct {
	ClientAccessToken string   `json:"clientAccessToken"`
	ClientMode        string   `json:"clientMode"`
	Region            string   `json:"region"`
	Services          []string `json:"services"`
}

// Topic returns the topic of thing for the format (DefaultTopic when
// empty).
func Topic(format, thing string) string {
	if format == "" {
		format = DefaultTopic
	}
	return fmt.Sprintf(format, thing)
}

// CheckTopicFormat reports whether format has exactly one %s and no other
// verb, and yields a topic without MQTT wildcards.
func CheckTopicFormat(format string) error {
	if strings.Count(format, "%s") != 1 || strings.Count(format, "%") != 1 {
		return fmt.Errorf("mqtt topic format %q: want exactly one %%s (the thing name)", format)
	}
	if strings.ContainsAny(format, "+#") {
		return fmt.Errorf("mqtt topic format %q: must not contain + or #", format)
	}
	return nil
}
