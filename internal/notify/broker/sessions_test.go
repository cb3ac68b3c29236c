package broker_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/eclipse/paho.golang/paho"

	"github.com/adit-project/adit/internal/notify/broker"
)

// persistentLogin logs in as robot-a with a persistent session under id,
// then disconnects, leaving the session on the broker.
func persistentLogin(t *testing.T, addr, id string) error {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnClientError: func(error) {}, OnServerDisconnect: func(*paho.Disconnect) {}})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	_, err = c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, Username: "robot-a", UsernameFlag: true,
		Password: []byte("pw-a-secret"), PasswordFlag: true, Properties: &paho.ConnectProperties{SessionExpiryInterval: paho.Uint32(3600)}})
	if err == nil {
		c.Disconnect(&paho.Disconnect{})
	}
	<-c.Done()
	return err
}

func TestSessionsPerThingBounded(t *testing.T) {
	f := twoDevices(t, broker.Config{})
	for i := range broker.MaxSessionsPerThing {
		if err := persistentLogin(t, f.b.Addr(), fmt.Sprintf("a-%d", i)); err != nil {
			t.Fatalf("session %d refused: %v", i, err)
		}
	}
	if err := persistentLogin(t, f.b.Addr(), "a-one-too-many"); err == nil {
		t.Fatalf("a %dth session under a new client id was accepted", broker.MaxSessionsPerThing+1)
	}
	if got := f.failure(t); !strings.Contains(got.Reason, "sessions") {
		t.Errorf("failure reason %q", got.Reason)
	}
	if err := persistentLogin(t, f.b.Addr(), "a-0"); err != nil {
		t.Fatalf("resuming an existing session refused: %v", err)
	}
	mustDial(t, f.b.Addr(), nil, "robot-b", "pw-b-secret") // other things are unaffected
}
