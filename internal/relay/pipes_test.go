package relay

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

// newPipeEnv is newEnv with the relay served over in-memory pipes
// (looptest.PipeListener), for tests in a testing/synctest bubble: time there is
// virtual, so timers (idle timeout, expiry, close grace) fire exactly
// when due and the test does not wait for them. Its cleanup shuts the
// relay down inside the bubble.
func newPipeEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, auth: newFakeAuth(), states: &fakeStates{change: make(chan struct{}, 1)}, pipes: looptest.NewPipeListener("pipe")}
	cfg.Auth, cfg.States = e.auth, e.states
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.closeGrace = 2 * time.Second
	e.srv = srv
	hs := &http.Server{Handler: srv}
	served := make(chan struct{})
	go func() {
		defer close(served)
		hs.Serve(e.pipes)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
		<-served
	})
	return e
}
