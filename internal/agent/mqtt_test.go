package agent_test

import (
	"path/filepath"
	"testing"

	"github.com/adit-project/adit/internal/notify/devices"
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
	path := filepath.Join(in.DataDir, "mqtt-devices.json")
	pw := devices.GeneratePassword()
	hash, err := devices.HashPasswordIterations(pw, devices.MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	f, err := devices.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Devices = append(f.Devices, devices.Device{ThingName: thing, PasswordHash: hash})
	if err := devices.Write(path, f); err != nil {
		t.Fatal(err)
	}
	if err := in.Server.ReloadMQTTDevices(); err != nil {
		t.Fatal(err)
	}
	return pw
}
