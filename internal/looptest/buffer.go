package looptest

import (
	"strings"
	"sync"
)

// SyncBuffer collects output (logs, a process's stdout) written from
// several goroutines and read while they write. With Limit > 0 it keeps
// the first Limit bytes and drops the rest.
type SyncBuffer struct {
	Limit int

	mu sync.Mutex
	b  strings.Builder
}

// Write appends p (up to Limit) and never fails.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Limit <= 0 || s.b.Len() < s.Limit {
		s.b.Write(p)
	}
	return len(p), nil
}

// String returns what was kept so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
