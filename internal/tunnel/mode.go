package tunnel

import "fmt"

// Mode is the client mode of a local proxy: source or destination.
type Mode int

// Client modes.
const (
	ModeSource Mode = iota + 1
	ModeDestination
)

// Modes lists both client modes, source first.
var Modes = [2]Mode{ModeSource, ModeDestination}

// String returns the data-plane spelling ("source" or "destination"), as
// used in the local-proxy-mode query parameter.
func (m Mode) String() string {
	switch m {
	case ModeSource:
		return "source"
	case ModeDestination:
		return "destination"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// APIName returns the control-plane spelling ("SOURCE" or "DESTINATION").
func (m Mode) APIName() string {
	switch m {
	case ModeSource:
		return "SOURCE"
	case ModeDestination:
		return "DESTINATION"
	}
	return ""
}

// ParseMode parses the data-plane spelling of a mode.
func ParseMode(s string) (Mode, bool) {
	switch s {
	case "source":
		return ModeSource, true
	case "destination":
		return ModeDestination, true
	}
	return 0, false
}
