package audit

import (
	"encoding/json"
	"strings"
	"time"
)

// Event types (the eventType field).
const (
	TypeAPICall   = "AwsApiCall"
	TypeDataPlane = "AditDataPlaneEvent"
	TypeMQTT      = "AditMqttEvent"
)

// Event sources (the eventSource field).
const (
	SourceAPI       = "iotsecuredtunneling.amazonaws.com"
	SourceDataPlane = "data.tunneling.iot.amazonaws.com"
	SourceMQTT      = "mqtt.tunneld.adit"
)

// Data-plane and MQTT event names (API events are named by their
// operation).
const (
	NameConnect         = "TunnelConnect"
	NameConnectRejected = "TunnelConnectRejected"
	NameDisconnect      = "TunnelDisconnect"
	NameMQTTAuthFailure = "MqttAuthenticationFailure"
)

// Redacted replaces every secret value in an event.
const Redacted = "HIDDEN_DUE_TO_SECURITY_REASONS"

// Event is one audit record. Zero fields are left out, except the
// CloudTrail fields that are always present (requestParameters and
// responseElements are null when there are none).
type Event struct {
	EventVersion        string         `json:"eventVersion"`
	UserIdentity        *UserIdentity  `json:"userIdentity,omitempty"`
	EventTime           string         `json:"eventTime"`
	EventSource         string         `json:"eventSource"`
	EventName           string         `json:"eventName"`
	AWSRegion           string         `json:"awsRegion"`
	SourceIPAddress     string         `json:"sourceIPAddress"`
	UserAgent           string         `json:"userAgent,omitempty"`
	ErrorCode           string         `json:"errorCode,omitempty"`
	ErrorMessage        string         `json:"errorMessage,omitempty"`
	RequestParameters   any            `json:"requestParameters"`
	ResponseElements    any            `json:"responseElements"`
	AdditionalEventData map[string]any `json:"additionalEventData,omitempty"`
	RequestID           string         `json:"requestID,omitempty"`
	EventID             string         `json:"eventID"`
	ReadOnly            *bool          `json:"readOnly,omitempty"`
	EventType           string         `json:"eventType"`
	ManagementEvent     bool           `json:"managementEvent"`
	RecipientAccountID  string         `json:"recipientAccountId"`
	EventCategory       string         `json:"eventCategory,omitempty"`

	// Time is when the event happened (default: when it was recorded).
	// It is written as eventTime.
	Time time.Time `json:"-"`
}

// UserIdentity is who made an API call, as CloudTrail describes an IAM
// user.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// Bool returns a pointer to b, for Event.ReadOnly.
func Bool(b bool) *bool { return &b }

// Params turns a request or response value into the generic JSON form of
// requestParameters/responseElements, with every member whose name ends in
// "token" (any case, e.g. sourceAccessToken) replaced by Redacted, except
// nextToken, which is a page cursor. A nil v gives nil.
func Params(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var g any
	if json.Unmarshal(b, &g) != nil {
		return nil
	}
	redact(g)
	return g
}

// redact walks a decoded JSON value and hides token members in place.
func redact(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if isSecretKey(k) {
				x[k] = Redacted
				continue
			}
			redact(e)
		}
	case []any:
		for _, e := range x {
			redact(e)
		}
	}
}

func isSecretKey(k string) bool {
	l := strings.ToLower(k)
	return strings.HasSuffix(l, "token") && l != "nexttoken" || strings.Contains(l, "password") || strings.Contains(l, "secret")
}
