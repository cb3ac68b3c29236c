//go:build !unix

package cli

import "io"

// terminalWidth falls back to the AWS CLI's default of 80 columns.
func terminalWidth(io.Writer) int { return 80 }

// isTerminal reports false where terminals cannot be detected.
func isTerminal(io.Writer) bool { return false }
