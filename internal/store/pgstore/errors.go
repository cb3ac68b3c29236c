package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/adit-project/adit/internal/store"
)

// wrap prefixes err with op and, when err means the database is
// unreachable or did not answer in time, wraps store.ErrUnavailable too.
// Unique violations become store.ErrExists.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case IsUnavailable(err):
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	case sqlState(err) == "23505": // unique_violation
		return fmt.Errorf("%s: %w: %w", op, store.ErrExists, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsUnavailable reports whether err means the database could not be
// reached, dropped the connection, is shutting down or starting up, has
// no connection slot left, or did not answer before the store's deadline.
// Such calls may be retried later. Errors of the caller's own cancelled
// context are not unavailability. Errors the store returns wrap
// store.ErrUnavailable in these cases, so errors.Is works too.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return true
	}
	if code := sqlState(err); code != "" {
		// 08: connection exception; 57P01..57P03: admin or crash shutdown,
		// cannot connect now; 53: insufficient resources (too many
		// connections, out of memory or disk).
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "53")
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, pgconn.ErrConnClosed)
}

// staleConn reports whether err happened on an established connection
// before anything was sent: the database had closed it.
func staleConn(err error) bool {
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) && !errors.As(err, &ce)
}

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
