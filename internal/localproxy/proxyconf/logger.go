package proxyconf

import (
	"io"
	"log/slog"

	"github.com/adit-project/adit/internal/localproxy"
)

// LevelFatal is the slog level of an error that ends the process (-v 1 and
// above); with localproxy.LevelTrace it makes the reference's six levels
// out of slog's four.
const LevelFatal = slog.LevelError + 4

// levelForVerbosity maps the reference's -v 0..255 to a slog level: 1
// fatal, 2 error, 3 warning, 4 info, 5 debug, 6 and above trace. ok is
// false for 0 (logging off).
func levelForVerbosity(v int) (level slog.Level, ok bool) {
	switch {
	case v <= 0:
		return 0, false
	case v == 1:
		return LevelFatal, true
	case v == 2:
		return slog.LevelError, true
	case v == 3:
		return slog.LevelWarn, true
	case v == 4:
		return slog.LevelInfo, true
	case v == 5:
		return slog.LevelDebug, true
	}
	return localproxy.LevelTrace, true
}

// NewLogger returns a text logger writing to w at the level of the
// reference's -v verbosity (0 discards everything).
func NewLogger(w io.Writer, verbosity int) *slog.Logger {
	level, ok := levelForVerbosity(verbosity)
	if !ok {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.LevelKey {
				return a
			}
			switch a.Value.Any().(slog.Level) {
			case localproxy.LevelTrace:
				a.Value = slog.StringValue("TRACE")
			case LevelFatal:
				a.Value = slog.StringValue("FATAL")
			}
			return a
		},
	}))
}
