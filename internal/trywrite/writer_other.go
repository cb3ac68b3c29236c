//go:build !linux

package trywrite

import "net"

// Writer never writes outside Linux: every caller takes its buffered path.
type Writer struct{}

// NewWriter returns nil: there is no direct path on this system.
func NewWriter(net.Conn) *Writer { return nil }

// Write writes nothing.
func (*Writer) Write(a, b []byte) (int, error) { return 0, nil }

// WriteBuffers writes nothing.
func (*Writer) WriteBuffers([][]byte) (int, error) { return 0, nil }
