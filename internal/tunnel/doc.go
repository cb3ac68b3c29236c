// Package tunnel holds the domain types and rules of a secure tunnel:
// identifiers and ARNs, statuses and client modes, access tokens and their
// hashes, tags and connection states. It performs no I/O.
package tunnel
