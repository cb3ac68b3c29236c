package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/adit-project/adit/internal/notify/notifymsg"
)

// Sender delivers one message to a broker with QoS 1, not retained. It
// returns once the broker has accepted it, or with an error.
type Sender interface {
	Send(ctx context.Context, topic string, payload []byte) error
}

// Config configures a Publisher. Zero values mean the defaults.
type Config struct {
	// Topic is the topic format; %s is the thing name (default
	// DefaultTopic).
	Topic string
	// QueueSize bounds the notifications waiting to be published (default
	// 1024); when full, new ones are dropped and counted.
	QueueSize int
	// RetryFor is how long a notification is retried before it is given up
	// (default 2 minutes).
	RetryFor time.Duration
	// MinBackoff and MaxBackoff bound the delay between attempts (defaults
	// 100 ms and 5 s); it doubles per failure.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// AttemptTimeout bounds one publish attempt (default 10 s).
	AttemptTimeout time.Duration
	// Logger receives the log; nil discards it. Tokens are never logged.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = notifymsg.DefaultTopic
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 1024
	}
	dur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	dur(&c.RetryFor, 2*time.Minute)
	dur(&c.MinBackoff, 100*time.Millisecond)
	dur(&c.MaxBackoff, 5*time.Second)
	dur(&c.AttemptTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Publisher queues notifications and publishes them from Run.
type Publisher struct {
	cfg   Config
	queue chan item
	m     counters
}

type item struct {
	thing   string
	topic   string
	payload []byte
	queued  time.Time
}

// ErrQueueFull is returned by NotifyDestination when the queue is full.
var ErrQueueFull = errors.New("mqtt notification queue full")

// New returns a Publisher; nothing runs until Run.
func New(cfg Config) (*Publisher, error) {
	cfg.setDefaults()
	if err := notifymsg.CheckTopicFormat(cfg.Topic); err != nil {
		return nil, err
	}
	p := &Publisher{cfg: cfg, queue: make(chan item, cfg.QueueSize)}
	p.m.init()
	return p, nil
}

// NotifyDestination queues n and returns at once; it never blocks. It
// fails only when the queue is full (the notification is dropped).
func (p *Publisher) NotifyDestination(ctx context.Context, n notifymsg.Notification) error {
	it := item{thing: n.ThingName, topic: notifymsg.Topic(p.cfg.Topic, n.ThingName), payload: payload(n), queued: time.Now()}
	select {
	case p.queue <- it:
		p.m.queued.Add(1)
		return nil
	default:
		p.m.dropped.Add(1)
		p.cfg.Logger.Warn("mqtt notification dropped: queue full", "thing", n.ThingName)
		return ErrQueueFull
	}
}

// Run publishes queued notifications through s until ctx ends; it
// returns ctx.Err(). Notifications still queued then are dropped.
func (p *Publisher) Run(ctx context.Context, s Sender) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case it := <-p.queue:
			p.publish(ctx, s, it)
		}
	}
}

// publish tries it until it succeeds, RetryFor has passed since it was
// queued, or ctx ends.
func (p *Publisher) publish(ctx context.Context, s Sender, it item) {
	deadline := it.queued.Add(p.cfg.RetryFor)
	delay := p.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		err := p.attempt(ctx, s, it, deadline)
		if err == nil {
			p.m.published.Add(1)
			p.cfg.Logger.Debug("mqtt notification published", "thing", it.thing, "topic", it.topic, "attempts", attempt)
			return
		}
		if ctx.Err() != nil || !time.Now().Add(delay).Before(deadline) {
			p.m.failed.Add(1)
			p.cfg.Logger.Error("mqtt notification failed; rotate the destination token to send it again",
				"thing", it.thing, "topic", it.topic, "attempts", attempt, "err", err)
			return
		}
		p.m.retries.Add(1)
		p.cfg.Logger.Warn("mqtt publish failed; retrying", "thing", it.thing, "attempt", attempt, "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		delay = min(2*delay, p.cfg.MaxBackoff)
	}
}

func (p *Publisher) attempt(ctx context.Context, s Sender, it item, deadline time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.AttemptTimeout)
	defer cancel()
	ctx, cancel2 := context.WithDeadline(ctx, deadline)
	defer cancel2()
	start := time.Now()
	err := s.Send(ctx, it.topic, it.payload)
	p.m.attemptDone(start, err)
	return err
}
