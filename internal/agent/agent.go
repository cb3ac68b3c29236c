// Package agent is tunnelagent's engine: it subscribes to a thing's
// notify topic over MQTT, validates each notification and runs one
// destination local proxy per tunnel in-process.
//
// Sessions are keyed by the tunnel's sorted set of services: the agent
// serves one thing, so a notification for a set of services already served
// is a rotation (or a newer tunnel for the same services) and replaces the
// running session. Identical notifications (same token) are ignored.
package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// Agent is a device agent. Create it with New and start it with Run.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	topic string
	work  chan []byte                      // received payloads; bounded
	subs  chan *autopaho.ConnectionManager // subscription requests
	seen  *seenSet                         // used by the handler goroutine only

	mu       sync.Mutex
	sessions map[string]*session // by key; guarded by mu
	sessWG   sync.WaitGroup
}

// New validates cfg and returns an Agent.
func New(cfg Config) (*Agent, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := cfg.MQTT.ClientConfig(); err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg, log: cfg.Logger, topic: notifymsg.Topic(cfg.Topic, cfg.ThingName),
		work: make(chan []byte, cfg.QueueSize), subs: make(chan *autopaho.ConnectionManager, 1),
		seen: newSeenSet(1024), sessions: make(map[string]*session)}, nil
}

// Run connects to the broker and serves notifications until ctx ends,
// then stops every session and returns ctx.Err(). Broker outages are
// retried forever; running sessions are unaffected by them.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc, err := a.cfg.MQTT.ClientConfig()
	if err != nil {
		return err
	}
	cc.OnConnectionUp = func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
		select {
		case a.subs <- cm:
		default: // a subscription is already pending
		}
	}
	cc.OnConnectionDown = func() bool {
		a.log.Warn("mqtt connection lost; reconnecting")
		return true
	}
	cc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){a.receive}
	cm, err := autopaho.NewConnection(ctx, cc)
	if err != nil {
		return fmt.Errorf("mqtt: %w", err)
	}
	a.log.Info("tunnelagent started", "thing", a.cfg.ThingName, "topic", a.topic, "client_id", a.cfg.MQTT.ClientID)
	var wg sync.WaitGroup
	wg.Go(func() { a.subscribeLoop(ctx) })
	wg.Go(func() { a.handleLoop(ctx) })
	<-ctx.Done()
	wg.Wait()
	a.stopAll()
	<-cm.Done()
	return ctx.Err()
}

// subscribeLoop subscribes after every (re)connection.
func (a *Agent) subscribeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case cm := <-a.subs:
			a.subscribe(ctx, cm)
		}
	}
}

func (a *Agent) subscribe(ctx context.Context, cm *autopaho.ConnectionManager) {
	sa, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: a.topic, QoS: 1}}})
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("mqtt subscribe failed", "topic", a.topic, "err", err)
		}
		return
	}
	if len(sa.Reasons) > 0 && sa.Reasons[0] >= 0x80 {
		a.log.Error("mqtt subscribe refused", "topic", a.topic, "reason_code", sa.Reasons[0])
		return
	}
	a.log.Info("subscribed to notify topic", "topic", a.topic)
	a.emit(Event{Kind: EventSubscribed})
}

// receive runs on the MQTT client's goroutine: it only checks the size
// and queues the payload.
func (a *Agent) receive(pr paho.PublishReceived) (bool, error) {
	p := pr.Packet
	if p.Topic != a.topic {
		return false, nil
	}
	if len(p.Payload) > a.cfg.MaxPayload {
		a.reject(fmt.Sprintf("payload of %d bytes exceeds %d", len(p.Payload), a.cfg.MaxPayload))
		return true, nil
	}
	select {
	case a.work <- p.Payload:
	default:
		a.reject("too many notifications queued (flood)")
	}
	return true, nil
}

func (a *Agent) reject(reason string) {
	a.log.Warn("notification ignored", "reason", reason)
	a.emit(Event{Kind: EventRejected, Reason: reason})
}

// handleLoop validates queued notifications and starts sessions.
func (a *Agent) handleLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-a.work:
			a.handle(ctx, p)
		}
	}
}

func (a *Agent) handle(ctx context.Context, payload []byte) {
	req, err := parse(payload, a.cfg.Services)
	if err != nil {
		a.reject(err.Error())
		return
	}
	if !a.seen.add(sha256.Sum256([]byte(req.token))) {
		a.log.Debug("duplicate notification ignored", "services", req.key)
		a.emit(Event{Kind: EventDuplicate, Services: req.services})
		return
	}
	if err := a.start(ctx, req); err != nil {
		a.reject(err.Error())
	}
}

// errTooMany refuses a tunnel beyond MaxTunnels.
var errTooMany = errors.New("too many tunnels")
