// Package notify tells destination devices about new destination tokens
// over MQTT (docs/PROTOCOL.md §2, D13). A Publisher implements api.Notifier: it
// queues each notification and returns at once; its Run loop publishes
// them with QoS 1, not retained, retrying with backoff for a bounded time.
package notify

import (
	"encoding/json"

	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// payload encodes the notification message of n.
func payload(n notifymsg.Notification) []byte {
	svcs := n.Services
	if svcs == nil {
		svcs = []string{}
	}
	b, _ := json.Marshal(notifymsg.Message{ClientAccessToken: n.Token, ClientMode: notifymsg.ClientModeDestination, Region: n.Region, Services: svcs})
	return b
}
