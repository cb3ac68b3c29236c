package agent

// EventKind says what happened to a notification or a session.
type EventKind int

// Event kinds.
const (
	// EventSubscribed: the agent (re)subscribed to its notify topic.
	EventSubscribed EventKind = iota + 1
	// EventRejected: a notification was invalid or refused (Reason says why).
	EventRejected
	// EventDuplicate: a notification repeated one already handled.
	EventDuplicate
	// EventStarted: a destination session started for Services.
	EventStarted
	// EventConnected: a session's proxy connected to the data plane.
	EventConnected
	// EventReplaced: a new token replaced the running session of Services.
	EventReplaced
	// EventEnded: a session ended; Err is nil when the tunnel closed.
	EventEnded
)

var kindNames = map[EventKind]string{EventSubscribed: "subscribed", EventRejected: "rejected",
	EventDuplicate: "duplicate", EventStarted: "started", EventConnected: "connected",
	EventReplaced: "replaced", EventEnded: "ended"}

// String returns the kind's name.
func (k EventKind) String() string { return kindNames[k] }

// Event reports progress, for tests and monitoring.
type Event struct {
	Kind     EventKind
	Services []string // the session's services (sessions only)
	Reason   string   // why a notification was rejected
	Err      error    // why a session ended, nil if its tunnel closed
}

func (a *Agent) emit(e Event) {
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(e)
	}
}
