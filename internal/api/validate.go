package api

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Model patterns, spelled as the model spells them: they appear verbatim in
// ValidationException messages. Go's regexp caps repetition at 1000, so
// each has a hand-written matcher below instead of a compiled regexp.
const (
	patTunnelID    = `[a-zA-Z0-9_\-+=:]{1,128}`
	patDescription = `[^\p{C}]{1,2048}`
	patName        = `[a-zA-Z0-9:_-]+` // ThingName and Service
	patTag         = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
	patNextToken   = `[a-zA-Z0-9_=-]{1,4096}`
)

// Model length and value bounds (string lengths count characters).
const (
	maxNameLen     = 128 // ThingName, Service
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	maxTagsPerCall = 200 // TagList and TagKeyList
	maxARNLen      = 1011
	maxResultsMax  = 100
	reservedPrefix = "aws:"
	maxEchoRunes   = 256 // longest value echoed back in a message
)

// violations collects model violations; err formats them the way AWS
// services do: "2 validation errors detected: Value 'x' at 'a'
// failed to satisfy constraint: Member must ...; Value null at 'b' ...".
type violations []string

func (v *violations) add(field, value, constraint string) {
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, field, constraint))
}

func (v *violations) null(field string) {
	v.add(field, "null", "Member must not be null")
}

func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return newError(codeValidation, "1 validation error detected: %s", v[0])
	}
	return newError(codeValidation, "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// str checks a string against length bounds (max 0: none) and then a
// pattern (match nil: none); only the first failed constraint is
// reported.
func (v *violations) str(field, s string, min, max int, pattern string, match func(string) bool) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < min:
		v.add(field, quote(s), fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max > 0 && n > max:
		v.add(field, quote(s), fmt.Sprintf("Member must have length less than or equal to %d", max))
	case match != nil && !match(s):
		v.add(field, quote(s), "Member must satisfy regular expression pattern: "+pattern)
	}
}

// required reports a missing member and returns whether it is present.
func required[T any](v *violations, field string, p *T) bool {
	if p == nil {
		v.null(field)
	}
	return p != nil
}

func (v *violations) intRange(field string, n, min, max int) {
	switch {
	case n < min:
		v.add(field, quote(strconv.Itoa(n)), fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case n > max:
		v.add(field, quote(strconv.Itoa(n)), fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// listLen checks a list's length (max 0: none).
func (v *violations) listLen(field string, n, min, max int, render func() string) {
	switch {
	case n < min:
		v.add(field, quote(render()), fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max > 0 && n > max:
		v.add(field, quote(render()), fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *violations) tunnelID(p *string) {
	if required(v, "tunnelId", p) {
		v.str("tunnelId", *p, 0, 0, patTunnelID, isTunnelID)
	}
}

func (v *violations) resourceARN(p *string) {
	if required(v, "resourceArn", p) {
		v.str("resourceArn", *p, 1, maxARNLen, "", nil)
	}
}

func (v *violations) thingName(field string, p *string) {
	if p != nil {
		v.str(field, *p, 1, maxNameLen, patName, isName)
	}
}

// destinationConfig checks the model rules and D15 (no duplicate
// services); the services quota is the operation's business.
func (v *violations) destinationConfig(field string, dc *destinationConfigShape) {
	v.thingName(field+".thingName", dc.ThingName)
	f := field + ".services"
	if dc.Services == nil {
		v.null(f)
		return
	}
	v.listLen(f, len(dc.Services), 1, 0, func() string { return renderList(dc.Services) })
	seen := make(map[string]bool, len(dc.Services))
	dup := false
	for i, s := range dc.Services {
		v.str(member(f, i), s, 1, maxNameLen, patName, isName)
		dup = dup || seen[s]
		seen[s] = true
	}
	if dup {
		v.add(f, quote(renderList(dc.Services)), "Member must not contain duplicate values")
	}
}

// tags checks a TagList (OpenTunnel, TagResource), refusing the reserved
// aws: prefix as AWS tagging does.
func (v *violations) tags(field string, tags []tagShape) {
	v.listLen(field, len(tags), 1, maxTagsPerCall, func() string { return renderTags(tags) })
	for i, t := range tags {
		f := member(field, i)
		if required(v, f+".key", t.Key) {
			v.tagKey(f+".key", *t.Key)
		}
		if required(v, f+".value", t.Value) {
			v.str(f+".value", *t.Value, 0, maxTagValueLen, patTag, isTagText)
		}
	}
}

func (v *violations) tagKey(field, k string) {
	n := len(*v)
	v.str(field, k, 1, maxTagKeyLen, patTag, isTagText)
	if len(*v) == n && hasReservedPrefix(k) {
		v.add(field, quote(k), "Member must not begin with the reserved prefix "+reservedPrefix)
	}
}

// hasReservedPrefix reports whether a tag key starts with aws: in any case.
func hasReservedPrefix(k string) bool {
	return len(k) >= len(reservedPrefix) && strings.EqualFold(k[:len(reservedPrefix)], reservedPrefix)
}

// member names the i-th element of a list the way AWS does: tags.1.member.
func member(field string, i int) string {
	return field + "." + strconv.Itoa(i+1) + ".member"
}

// quote renders a value for a message, shortened past maxEchoRunes.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxEchoRunes {
		s = string([]rune(s)[:maxEchoRunes]) + "..."
	}
	return "'" + s + "'"
}

func renderList(l []string) string { return "[" + strings.Join(l, ", ") + "]" }

func renderTags(tags []tagShape) string {
	l := make([]string, 0, min(len(tags), maxEchoRunes))
	for _, t := range tags[:cap(l)] {
		l = append(l, fmt.Sprintf("Tag(key=%s, value=%s)", deref(t.Key), deref(t.Value)))
	}
	return renderList(l)
}

func deref(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// Matchers of the model patterns (whole-string matches).

func isTunnelID(s string) bool {
	return len(s) >= 1 && len(s) <= 128 && allASCII(s, "_-+=:")
}

func isName(s string) bool { return s != "" && allASCII(s, ":_-") }

func isNextToken(s string) bool {
	return len(s) >= 1 && len(s) <= 4096 && allASCII(s, "_=-")
}

// isDescription matches [^\p{C}]{1,2048}. \p{C} includes unassigned code
// points (Cn), so a character passes only if it is in an assigned
// non-C category.
func isDescription(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z) {
			return false
		}
		n++
	}
	return n >= 1 && n <= 2048
}

func isTagText(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.Z, unicode.N) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return true
}

// allASCII reports whether s holds only ASCII letters, digits and extra.
func allASCII(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
