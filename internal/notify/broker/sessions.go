package broker

import (
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
)

// MaxSessionsPerThing bounds the sessions (connected, or kept for a
// disconnected client) one device identity may hold, so that a device
// cannot fill the broker's memory by logging in under ever new client
// ids. A device needs one; a few more cover tests and restarts with
// another id.
const MaxSessionsPerThing = 8

// sessionCounter tracks which thing owns each session (by client id).
type sessionCounter struct {
	mu    sync.Mutex
	owner map[string]sessionOwner // by client id
	count map[string]int          // sessions by thing
}

type sessionOwner struct {
	thing string
	cl    *mqtt.Client // the client currently attached to the session
}

func newSessionCounter() *sessionCounter {
	return &sessionCounter{owner: map[string]sessionOwner{}, count: map[string]int{}}
}

// admit records cl's session for thing, unless thing already holds max
// other sessions. A client id already owned by thing reuses its session.
func (s *sessionCounter) admit(cl *mqtt.Client, thing string, max int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.owner[cl.ID]
	if exists && old.thing == thing {
		s.owner[cl.ID] = sessionOwner{thing, cl}
		return true
	}
	if s.count[thing] >= max {
		return false
	}
	if exists {
		s.drop(old.thing)
	}
	s.owner[cl.ID] = sessionOwner{thing, cl}
	s.count[thing]++
	return true
}

// forget removes cl's session, if cl still holds it (a client whose
// session was taken over by a newer connection with the same id does
// not).
func (s *sessionCounter) forget(cl *mqtt.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.owner[cl.ID]; ok && o.cl == cl {
		delete(s.owner, cl.ID)
		s.drop(o.thing)
	}
}

func (s *sessionCounter) drop(thing string) {
	if s.count[thing]--; s.count[thing] <= 0 {
		delete(s.count, thing)
	}
}
