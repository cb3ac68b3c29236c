// Package relay is the data-plane hub of tunneld (placeholder doc).
package relay
