package api

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// Decision is an Authorizer's answer for one action on one resource.
type Decision int

// Decisions, as IAM policy evaluation names them.
const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Decision = iota
	// Allow: a statement allows it and none denies it.
	Allow
	// ExplicitDeny: a statement denies it.
	ExplicitDeny
)

// Identity is the user behind an access key.
type Identity struct {
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// UserName and ARN name the user (arn:<partition>:iam::<account>:user/<name>).
	UserName string
	ARN      string
}

// Query is one authorization question: may the caller perform Action on
// Resource, given the condition keys in Context (lower-case names, e.g.
// "aws:resourcetag/site"; multi-valued keys such as aws:tagkeys have
// several values)?
type Query struct {
	Action   string
	Resource string
	Context  map[string][]string
}

// Authorizer applies identity-based policies to authenticated callers.
// The server's implementation reads a policy file; without one it allows
// everything, as tunneld did before policies existed.
type Authorizer interface {
	// Identify names the caller behind an access key id.
	Identify(accessKeyID string) Identity
	// Decide evaluates the caller's policies for one request.
	Decide(id Identity, q Query) Decision
	// MayAllow reports whether any of the caller's policies has an Allow
	// statement for action, whatever its resources and conditions.
	MayAllow(id Identity, action string) bool
	// Enforcing reports whether policies apply at all. When it is false
	// the API skips authorization (and the store reads it needs) and uses
	// the Authorizer only to name callers.
	Enforcing() bool
}

// caller is the authenticated identity of a request and its condition
// keys that do not depend on the operation.
type caller struct {
	Identity
	global map[string][]string
	read   *tunnel.Tunnel // the tunnel as authorization read it, if it did
}

type callerKey struct{}

// withCaller returns ctx carrying c, for the operations.
func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// globalKeys are the request's aws:* condition keys.
func (h *Handler) globalKeys(r *http.Request, now time.Time) map[string][]string {
	return map[string][]string{
		"aws:sourceip":         {sourceIP(r)},
		"aws:currenttime":      {now.UTC().Format(time.RFC3339)},
		"aws:epochtime":        {strconv.FormatInt(now.Unix(), 10)},
		"aws:securetransport":  {strconv.FormatBool(r.TLS != nil)},
		"aws:useragent":        {r.UserAgent()},
		"aws:requestedregion":  {h.cfg.Region},
		"aws:principalaccount": {h.cfg.AccountID},
		"aws:principaltype":    {"User"},
	}
}

// sourceIP is the address of the client's TCP connection. (A load
// balancer's address when one is in front; X-Forwarded-For is not trusted.)
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// access is one action on one resource that a call needs, with the
// operation's condition keys.
type access struct {
	action   string
	resource string
	keys     map[string][]string
}

// authorize checks every access of a call; the first that is not allowed
// answers AccessDeniedException. Without an Authorizer everything is
// allowed.
func (h *Handler) authorize(ctx context.Context, needs []access) error {
	if !h.policiesOn(ctx) {
		return nil
	}
	c := callerFrom(ctx)
	for _, a := range needs {
		if d := h.decide(c, a); d != Allow {
			return denied(c.Identity, a.action, a.resource, d)
		}
	}
	return nil
}

// decide evaluates one access with the global and operation keys.
func (h *Handler) decide(c *caller, a access) Decision {
	keys := make(map[string][]string, len(c.global)+len(a.keys))
	for k, v := range c.global {
		keys[k] = v
	}
	for k, v := range a.keys {
		keys[k] = v
	}
	return h.cfg.Authorizer.Decide(c.Identity, Query{Action: a.action, Resource: a.resource, Context: keys})
}

// denied is the AccessDeniedException of a refused request, in the words
// AWS uses.
func denied(id Identity, action, resource string, d Decision) *apiError {
	why := "because no identity-based policy allows the " + action + " action"
	if d == ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	who := id.ARN
	if who == "" {
		who = id.AccessKeyID
	}
	return newError(codeAccessDenied, "User: %s is not authorized to perform: %s on resource: %s %s",
		who, action, resource, why)
}

// thingARN is the ARN of an IoT thing in this server's account.
func (h *Handler) thingARN(name string) string {
	return "arn:" + h.cfg.Partition + ":iot:" + h.cfg.Region + ":" + h.cfg.AccountID + ":thing/" + name
}

// tunnelWildcardARN is the resource of actions on no particular tunnel.
func (h *Handler) tunnelWildcardARN() string {
	return "arn:" + h.cfg.Partition + ":iot:" + h.cfg.Region + ":" + h.cfg.AccountID + ":tunnel/*"
}

// tagKeys sets aws:RequestTag/<key> and aws:TagKeys for request tags.
func tagKeys(keys map[string][]string, tags []tagShape) {
	for _, t := range tags {
		keys["aws:requesttag/"+strings.ToLower(*t.Key)] = []string{*t.Value}
		keys["aws:tagkeys"] = append(keys["aws:tagkeys"], *t.Key)
	}
}
