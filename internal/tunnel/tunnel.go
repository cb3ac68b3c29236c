package tunnel

import (
	"time"
)

// Status is the lifecycle status of a tunnel.
type Status int

// Tunnel statuses. A closed tunnel never reopens.
const (
	StatusOpen Status = iota + 1
	StatusClosed
)

// String returns the API spelling of the status ("OPEN" or "CLOSED").
func (s Status) String() string {
	switch s {
	case StatusOpen:
		return "OPEN"
	case StatusClosed:
		return "CLOSED"
	}
	return "UNKNOWN"
}

// Default and maximum lifetime of a tunnel, and the minimum.
const (
	MinLifetimeMinutes     = 1
	MaxLifetimeMinutes     = 720
	DefaultLifetimeMinutes = 720
)

// Tag is one key/value pair attached to a tunnel.
type Tag struct {
	Key   string
	Value string
}

// ConnState is the connection state of one client mode of a tunnel.
type ConnState struct {
	// Connected reports whether a WebSocket of that mode is attached.
	Connected bool
	// LastUpdatedAt is when Connected last changed (createdAt initially).
	LastUpdatedAt time.Time
}

// Tunnel is the stored record of a tunnel, without its access tokens.
type Tunnel struct {
	ID          string
	ARN         string
	Status      Status
	Description string
	// ThingName is destinationConfig.thingName; empty when absent.
	ThingName string
	// Services is destinationConfig.services. It is non-empty exactly when
	// the tunnel was opened with a destinationConfig.
	Services []string
	// LifetimeMinutes is the effective maxLifetimeTimeoutMinutes.
	LifetimeMinutes int
	CreatedAt       time.Time
	LastUpdatedAt   time.Time
	// ExpiresAt is CreatedAt plus the lifetime.
	ExpiresAt time.Time
	// ClosedAt is when the tunnel was closed; zero while open.
	ClosedAt    time.Time
	Source      ConnState
	Destination ConnState
	Tags        []Tag
}

// Open reports whether the tunnel is open at time now: its status is OPEN
// and its lifetime has not run out.
func (t *Tunnel) Open(now time.Time) bool {
	return t.Status == StatusOpen && now.Before(t.ExpiresAt)
}

// EffectiveStatus is the status as seen at time now: an OPEN tunnel whose
// lifetime has run out reads as CLOSED even before the expiry sweep runs.
func (t *Tunnel) EffectiveStatus(now time.Time) Status {
	if t.Status == StatusOpen && !now.Before(t.ExpiresAt) {
		return StatusClosed
	}
	return t.Status
}

// Truncate rounds t to the millisecond precision the API and stores keep.
func Truncate(t time.Time) time.Time {
	return time.UnixMilli(t.UnixMilli()).UTC()
}
