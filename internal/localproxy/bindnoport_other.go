//go:build !linux

package localproxy

import "syscall"

// bindNoPort does nothing outside Linux.
func bindNoPort(string, string, syscall.RawConn) error { return nil }
