package policy

import (
	"strconv"
	"strings"
)

// Context holds the values of condition keys for one request, such as
// aws:SourceIp, aws:CurrentTime, aws:username, aws:ResourceTag/site or the
// multi-valued aws:TagKeys and iot:TunnelDestinationService. Keys are
// case-insensitive and stored lower-cased: build a Context with Set and Add
// (a key written directly into the map must already be lower case). A key
// with no values counts as absent.
type Context map[string][]string

// Set replaces the values of key.
func (c Context) Set(key string, values ...string) {
	c[strings.ToLower(key)] = values
}

// Add appends values to those of key.
func (c Context) Add(key string, values ...string) {
	k := strings.ToLower(key)
	c[k] = append(c[k], values...)
}

// Get returns the values of key, or nil.
func (c Context) Get(key string) []string {
	return c[strings.ToLower(key)]
}

// Delete removes key.
func (c Context) Delete(key string) {
	delete(c, strings.ToLower(key))
}

// Request is what a caller asks to do: an action on a resource, with the
// condition keys that describe the request.
type Request struct {
	// Action is the service-prefixed action, e.g. "iot:OpenTunnel".
	Action string
	// Resource is the ARN acted on, e.g.
	// "arn:aws:iot:us-east-1:123456789012:tunnel/<id>".
	Resource string
	// Context holds the condition keys; it may be nil.
	Context Context
}

// Decision is the outcome of evaluating policies for a request.
type Decision int

const (
	// Deny is an implicit deny: no statement allows the request.
	Deny Decision = iota
	// Allow means a statement allows the request and none denies it.
	Allow
	// ExplicitDeny means a Deny statement matches the request.
	ExplicitDeny
)

// String returns the names AWS's policy simulator uses: "implicitDeny",
// "allowed" and "explicitDeny".
func (d Decision) String() string {
	switch d {
	case Deny:
		return "implicitDeny"
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}
