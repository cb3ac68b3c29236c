package wire

import "fmt"

// Rule names a protocol rule a client message broke. The names are stable:
// they appear in Close reasons and in metrics labels.
type Rule string

// Rules of docs/PROTOCOL.md §3.6 that can be checked on one message alone.
const (
	RuleTypeZero            Rule = "type_zero"
	RuleServiceOnlyType     Rule = "service_only_type"
	RuleSourceOnlyType      Rule = "source_only_type"
	RuleStreamIDZero        Rule = "stream_id_zero"
	RulePayloadTooLarge     Rule = "payload_too_large"
	RuleUnknownType         Rule = "unknown_type_not_ignorable"
	RuleUnexpectedField     Rule = "unexpected_field"
	RuleMalformed           Rule = "malformed_message"
	RuleUnknownService      Rule = "unknown_service_id"
	RuleServiceNotStarted   Rule = "service_not_started"
	RuleMixedServiceIDs     Rule = "mixed_service_ids"
	RuleMixedConnectionIDs  Rule = "mixed_connection_ids"
	RuleFrameTooLarge       Rule = "frame_too_large"
	RuleTextFrame           Rule = "text_frame"
	RuleZeroLength          Rule = "zero_length_frame"
	RuleTruncatedFrameAtEOF Rule = "truncated_frame"
)

// RuleError is a protocol violation by a client.
type RuleError struct {
	Rule   Rule
	Detail string
}

func (e *RuleError) Error() string {
	if e.Detail == "" {
		return "protocol violation: " + string(e.Rule)
	}
	return "protocol violation: " + string(e.Rule) + ": " + e.Detail
}

func violation(r Rule, format string, args ...any) *RuleError {
	return &RuleError{Rule: r, Detail: fmt.Sprintf(format, args...)}
}

// CheckClient applies the stateless rules to a message a client sent;
// fromSource tells whether the sender is the source. It returns nil or a
// *RuleError. Unknown types pass only when ignorable is set.
func (m *Message) CheckClient(fromSource bool) error {
	switch m.Type {
	case TypeUnknown:
		return violation(RuleTypeZero, "message type is 0")
	case TypeSessionReset, TypeServiceIDs:
		return violation(RuleServiceOnlyType, "%s may only be sent by the service", m.Type)
	case TypeStreamStart, TypeConnectionStart:
		if !fromSource {
			return violation(RuleSourceOnlyType, "%s may only be sent by the source", m.Type)
		}
	case TypeData, TypeStreamReset, TypeConnectionReset:
	default:
		if !m.Ignorable {
			return violation(RuleUnknownType, "unknown message type %d", int32(m.Type))
		}
		return nil
	}
	if m.StreamID == 0 {
		return violation(RuleStreamIDZero, "%s with stream id 0", m.Type)
	}
	if len(m.Payload) > MaxPayload {
		return violation(RulePayloadTooLarge, "payload of %d bytes exceeds %d", len(m.Payload), MaxPayload)
	}
	if len(m.AvailableServiceIDs) > 0 {
		return violation(RuleUnexpectedField, "availableServiceIds in %s", m.Type)
	}
	return nil
}
