package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

var connStateBehaviours = []behaviour{
	{"SetConnStateFlipsStateAndStamps", testConnState},
	{"SetConnStateToTheSameStateChangesNothing", testConnStateSame},
	{"SetConnStateOnClosedTunnel", testConnStateClosed},
}

func setConn(t *testing.T, s store.Store, id string, m tunnel.Mode, connected bool, when time.Time) error {
	return s.SetConnState(t.Context(), id, m, connected, when)
}

func testConnState(t *testing.T, s store.Store) {
	want := newTunnel("c", t0)
	mustCreate(t, s, want)
	steps := []struct {
		m         tunnel.Mode
		connected bool
	}{
		{tunnel.ModeSource, true}, {tunnel.ModeDestination, true},
		{tunnel.ModeSource, false}, {tunnel.ModeSource, true}, {tunnel.ModeDestination, false},
	}
	for i, st := range steps {
		when := at(time.Duration(i+1) * time.Minute)
		call := fmt.Sprintf("SetConnState(c, %v, %v) #%d", st.m, st.connected, i)
		wantErr(t, call, setConn(t, s, "c", st.m, st.connected, when), nil)
		cs := tunnel.ConnState{Connected: st.connected, LastUpdatedAt: when}
		if st.m == tunnel.ModeSource {
			want.Source = cs
		} else {
			want.Destination = cs
		}
		want.LastUpdatedAt = when
		checkTunnel(t, "Tunnel(c) after "+call, mustGet(t, s, "c"), want)
	}
}

func testConnStateSame(t *testing.T, s store.Store) {
	mustCreate(t, s, newTunnel("c", t0))
	wantErr(t, "SetConnState(c, source, true)", setConn(t, s, "c", tunnel.ModeSource, true, at(time.Minute)), nil)
	want := mustGet(t, s, "c")
	wantErr(t, "SetConnState(c, source, true) again", setConn(t, s, "c", tunnel.ModeSource, true, at(2*time.Minute)), nil)
	wantErr(t, "SetConnState(c, destination, false)", setConn(t, s, "c", tunnel.ModeDestination, false, at(3*time.Minute)), nil)
	checkTunnel(t, "Tunnel(c) after repeating states", mustGet(t, s, "c"), want)
}

func testConnStateClosed(t *testing.T, s store.Store) {
	mustCreate(t, s, newTunnel("c", t0))
	mustClose(t, s, "c", at(time.Minute))
	want := mustGet(t, s, "c")
	err := setConn(t, s, "c", tunnel.ModeSource, true, at(2*time.Minute))
	wantErr(t, "SetConnState(closed, source, true)", err, store.ErrClosed)
	err = setConn(t, s, "c", tunnel.ModeDestination, false, at(2*time.Minute))
	wantErr(t, "SetConnState(closed, destination, false)", err, nil)
	checkTunnel(t, "Tunnel(closed) after SetConnState", mustGet(t, s, "c"), want)

	exp := newTunnel("expired", t0)
	mustCreate(t, s, exp)
	wantErr(t, "SetConnState(open, source, true)", setConn(t, s, "expired", tunnel.ModeSource, true, at(time.Minute)), nil)
	err = setConn(t, s, "expired", tunnel.ModeDestination, true, exp.ExpiresAt)
	wantErr(t, "SetConnState(expired, destination, true)", err, store.ErrClosed)
	err = setConn(t, s, "expired", tunnel.ModeSource, false, exp.ExpiresAt)
	wantErr(t, "SetConnState(expired, source, false)", err, nil)
	if g := mustGet(t, s, "expired"); g.Source.Connected || g.Destination.Connected {
		t.Errorf("Tunnel(expired) connected = %v/%v, want false/false", g.Source.Connected, g.Destination.Connected)
	}
}
