package agent_test

import (
	"testing"

	"github.com/adit-project/adit/internal/notify/mqttconn"
	"github.com/adit-project/adit/internal/servertest"
)

func mqttCfg(url string) mqttconn.Config { return mqttconn.Config{URL: url} }

// device gives thing its own password in the tunneld's device file, as
// `tunneld device add` does, makes tunneld load it, and returns the
// agent's broker connection with that identity.
func (e *env) device(t testing.TB, thing string) mqttconn.Config {
	t.Helper()
	pw := provision(t, e.in, thing)
	return mqttconn.Config{URL: e.broker, Username: thing, Password: pw}
}

// provision adds thing with a random password to in's device file.
func provision(t testing.TB, in *servertest.Instance, thing string) string {
	t.Helper()
	return in.AddDevice(t, thing)
}
