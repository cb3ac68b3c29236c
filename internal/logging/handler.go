package logging

import (
	"context"
	"log/slog"
)

// Handler is a slog.Handler that passes records to another, which writes
// to w, and flushes w after each record at level warn or above.
type Handler struct {
	inner slog.Handler
	w     *Writer
}

// NewHandler wraps inner, a handler that writes to w.
func NewHandler(inner slog.Handler, w *Writer) *Handler {
	return &Handler{inner: inner, w: w}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.inner.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(as), w: h.w}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), w: h.w}
}
