package notify

import (
	"context"
	"fmt"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/broker"
	"github.com/adit-project/adit/internal/notify/mqttconn"
)

// BrokerSender publishes through an embedded broker's inline client.
type BrokerSender struct{ B *broker.Broker }

// Send publishes payload with QoS 1, not retained.
func (s BrokerSender) Send(ctx context.Context, topic string, payload []byte) error {
	return s.B.Publish(topic, payload, false, 1)
}

// Client publishes to an external broker over MQTT v5, reconnecting as
// needed.
type Client struct {
	cm *autopaho.ConnectionManager
}

// Dial starts connecting to the broker of cfg in the background; the
// connection lives until ctx ends. Use Done to wait for it to stop.
func Dial(ctx context.Context, cfg mqttconn.Config) (*Client, error) {
	cc, err := cfg.ClientConfig()
	if err != nil {
		return nil, err
	}
	cm, err := autopaho.NewConnection(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	return &Client{cm: cm}, nil
}

// Done is closed when the connection manager has stopped.
func (c *Client) Done() <-chan struct{} { return c.cm.Done() }

// Send waits for the connection and publishes payload with QoS 1, not
// retained, returning once the broker acknowledged it.
func (c *Client) Send(ctx context.Context, topic string, payload []byte) error {
	if err := c.cm.AwaitConnection(ctx); err != nil {
		return fmt.Errorf("mqtt not connected: %w", err)
	}
	resp, err := c.cm.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload})
	if err != nil {
		return fmt.Errorf("mqtt publish: %w", err)
	}
	if resp != nil && resp.ReasonCode >= 0x80 {
		return fmt.Errorf("mqtt publish refused: reason code 0x%02x", resp.ReasonCode)
	}
	return nil
}
