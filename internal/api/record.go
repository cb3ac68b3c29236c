package api

import (
	"net/http"
	"strings"

	"github.com/adit-project/adit/internal/audit"
)

// identify builds the caller of an authenticated request.
func (h *Handler) identify(r *http.Request, c *call) *caller {
	id := Identity{AccessKeyID: c.principal}
	if h.cfg.Authorizer == nil {
		return &caller{Identity: id}
	}
	cl := &caller{Identity: h.cfg.Authorizer.Identify(c.principal)}
	if h.cfg.Authorizer.Enforcing() {
		cl.global = h.globalKeys(r, c.start)
	}
	return cl
}

// readOnly lists the operations that change nothing.
var readOnly = map[string]bool{"DescribeTunnel": true, "ListTunnels": true, "ListTagsForResource": true}

// record writes the audit event of a finished call: who, from where, what
// was asked (requestParameters) and, for calls that change something, what
// was answered (responseElements); tokens are redacted.
func (h *Handler) record(r *http.Request, c *call, out any, fail *apiError) {
	if h.cfg.Audit == nil {
		return
	}
	ev := &audit.Event{
		Time: c.start, EventSource: audit.SourceAPI, EventName: c.op, EventType: audit.TypeAPICall,
		SourceIPAddress: sourceIP(r), UserAgent: r.UserAgent(), RequestID: c.id,
		ReadOnly: audit.Bool(readOnly[c.op]), ManagementEvent: true, EventCategory: "Management",
		UserIdentity: h.userIdentity(r, c), RequestParameters: audit.Params(c.in),
	}
	if _, known := operations[c.op]; !known {
		ev.EventName = "UnknownOperation" // the target is the client's text: not echoed
	}
	if fail != nil {
		ev.ErrorCode, ev.ErrorMessage = fail.Code, fail.Message
	} else if !readOnly[c.op] {
		ev.ResponseElements = audit.Params(out)
	}
	h.cfg.Audit.Record(ev)
}

// userIdentity describes the caller; an unauthenticated request names the
// access key id it claimed, if any.
func (h *Handler) userIdentity(r *http.Request, c *call) *audit.UserIdentity {
	if c.caller == nil {
		return &audit.UserIdentity{Type: "Unknown", AccessKeyID: claimedKeyID(r.Header.Get("Authorization"))}
	}
	id := c.caller.Identity
	return &audit.UserIdentity{Type: "IAMUser", PrincipalID: id.AccessKeyID, ARN: id.ARN,
		AccountID: h.cfg.AccountID, AccessKeyID: id.AccessKeyID, UserName: id.UserName}
}

// claimedKeyID reads the access key id from a SigV4 Authorization header
// without trusting it: at most 128 bytes of [A-Za-z0-9], else "".
func claimedKeyID(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if len(id) == 0 || len(id) > 128 || strings.IndexFunc(id, notAlnum) >= 0 {
		return ""
	}
	return id
}

func notAlnum(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
}
