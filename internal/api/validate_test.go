package api

import (
	"fmt"
	"strings"
	"testing"
)

const arn = "arn:aws:iot:us-east-1:123456789012:tunnel/x"

// tagsJSON builds a tags list of n distinct tags.
func tagsJSON(n int) string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf(`{"key":"k%d","value":"v"}`, i)
	}
	return "[" + strings.Join(l, ",") + "]"
}

func keysJSON(n int) string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf(`"k%d"`, i)
	}
	return "[" + strings.Join(l, ",") + "]"
}

// TestValidation runs every model rule of §1.5 through HTTP. want is a
// substring of the message; an empty want means the input is valid (the
// call may still fail later, but not with ValidationException).
func TestValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, op, body, want string
	}{
		// tunnelId
		{"tunnelId missing", "DescribeTunnel", `{}`,
			"1 validation error detected: Value null at 'tunnelId' failed to satisfy constraint: Member must not be null"},
		{"tunnelId bad chars", "DescribeTunnel", `{"tunnelId":"bad id!"}`,
			`1 validation error detected: Value 'bad id!' at 'tunnelId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_\-+=:]{1,128}`},
		{"tunnelId empty", "CloseTunnel", `{"tunnelId":""}`, "at 'tunnelId' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"tunnelId 129", "CloseTunnel", `{"tunnelId":"` + long(129) + `"}`, "at 'tunnelId'"},
		{"tunnelId 128 all chars ok", "DescribeTunnel", `{"tunnelId":"` + long(121) + `_-+=:Z9"}`, ""},
		{"tunnelId null", "RotateTunnelAccessToken", `{"tunnelId":null,"clientMode":"ALL"}`, "Value null at 'tunnelId'"},
		// description
		{"description empty", "OpenTunnel", `{"description":""}`,
			`Value '' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\p{C}]{1,2048}`},
		{"description control", "OpenTunnel", `{"description":"a\u0007b"}`, "at 'description'"},
		{"description format char", "OpenTunnel", `{"description":"a\u200bb"}`, "at 'description'"},
		{"description newline", "OpenTunnel", `{"description":"a\nb"}`, "at 'description'"},
		{"description unassigned", "OpenTunnel", `{"description":"a\u0378"}`, "at 'description'"},
		{"description 2049", "OpenTunnel", `{"description":"` + long(2049) + `"}`, "at 'description'"},
		{"description 2048 ok", "OpenTunnel", `{"description":"` + long(2048) + `"}`, ""},
		{"description unicode ok", "OpenTunnel", `{"description":"Grüße 🚀 — ok, (yes)!"}`, ""},
		// destinationConfig.thingName
		{"thingName empty", "OpenTunnel", `{"destinationConfig":{"thingName":"","services":["s"]}}`,
			"at 'destinationConfig.thingName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"thingName 129", "OpenTunnel", `{"destinationConfig":{"thingName":"` + long(129) + `","services":["s"]}}`,
			"Member must have length less than or equal to 128"},
		{"thingName pattern", "OpenTunnel", `{"destinationConfig":{"thingName":"a b","services":["s"]}}`,
			"Value 'a b' at 'destinationConfig.thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{"thingName 128 ok", "OpenTunnel", `{"destinationConfig":{"thingName":"` + long(124) + `:_-9","services":["s"]}}`, ""},
		// destinationConfig.services
		{"services missing", "OpenTunnel", `{"destinationConfig":{"thingName":"t"}}`,
			"Value null at 'destinationConfig.services' failed to satisfy constraint: Member must not be null"},
		{"services empty", "OpenTunnel", `{"destinationConfig":{"services":[]}}`,
			"at 'destinationConfig.services' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"service empty", "OpenTunnel", `{"destinationConfig":{"services":["SSH",""]}}`,
			"at 'destinationConfig.services.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"service 129", "OpenTunnel", `{"destinationConfig":{"services":["` + long(129) + `"]}}`,
			"at 'destinationConfig.services.1.member' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"service pattern", "OpenTunnel", `{"destinationConfig":{"services":["SS H"]}}`,
			"Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{"services duplicate", "OpenTunnel", `{"destinationConfig":{"services":["SSH","SSH"]}}`,
			"Value '[SSH, SSH]' at 'destinationConfig.services' failed to satisfy constraint: Member must not contain duplicate values"},
		{"rotate services duplicate", "RotateTunnelAccessToken", `{"tunnelId":"x","clientMode":"ALL","destinationConfig":{"services":["a","a"]}}`,
			"Member must not contain duplicate values"},
		// timeoutConfig
		{"lifetime 0", "OpenTunnel", `{"timeoutConfig":{"maxLifetimeTimeoutMinutes":0}}`,
			"Value '0' at 'timeoutConfig.maxLifetimeTimeoutMinutes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"lifetime 721", "OpenTunnel", `{"timeoutConfig":{"maxLifetimeTimeoutMinutes":721}}`,
			"Member must have value less than or equal to 720"},
		{"lifetime negative", "OpenTunnel", `{"timeoutConfig":{"maxLifetimeTimeoutMinutes":-5}}`, "greater than or equal to 1"},
		{"lifetime 1 ok", "OpenTunnel", `{"timeoutConfig":{"maxLifetimeTimeoutMinutes":1}}`, ""},
		{"lifetime 720 ok", "OpenTunnel", `{"timeoutConfig":{"maxLifetimeTimeoutMinutes":720}}`, ""},
		{"timeoutConfig empty ok", "OpenTunnel", `{"timeoutConfig":{}}`, ""},
		// tags
		{"tags empty", "OpenTunnel", `{"tags":[]}`, "at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"tags 201", "OpenTunnel", `{"tags":` + tagsJSON(201) + `}`, "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200"},
		{"tags 200 ok", "OpenTunnel", `{"tags":` + tagsJSON(200) + `}`, ""},
		{"tag key missing", "OpenTunnel", `{"tags":[{"value":"v"}]}`, "Value null at 'tags.1.member.key'"},
		{"tag value missing", "OpenTunnel", `{"tags":[{"key":"k"}]}`, "Value null at 'tags.1.member.value'"},
		{"tag null", "OpenTunnel", `{"tags":[null]}`, "Value null at 'tags.1.member.key'"},
		{"tag key empty", "OpenTunnel", `{"tags":[{"key":"","value":"v"}]}`, "at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"tag key 129", "OpenTunnel", `{"tags":[{"key":"` + long(129) + `","value":"v"}]}`, "Member must have length less than or equal to 128"},
		{"tag value 257", "OpenTunnel", `{"tags":[{"key":"k","value":"` + long(257) + `"}]}`,
			"at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"tag key pattern", "OpenTunnel", `{"tags":[{"key":"a!b","value":"v"}]}`,
			`Value 'a!b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`},
		{"tag value pattern", "TagResource", `{"resourceArn":"` + arn + `","tags":[{"key":"k","value":"a\tb"}]}`, "at 'tags.1.member.value'"},
		{"tag key aws prefix", "OpenTunnel", `{"tags":[{"key":"aws:x","value":"v"}]}`, "Member must not begin with the reserved prefix aws:"},
		{"tag key AWS prefix", "TagResource", `{"resourceArn":"` + arn + `","tags":[{"key":"AwS:x","value":"v"}]}`, "reserved prefix"},
		{"tag unicode ok", "OpenTunnel", `{"tags":[{"key":"ключ é 1 _.:/=+-@","value":"中文 ٣"},{"key":"awsx","value":""}]}`, ""},
		{"tag 256 ok", "OpenTunnel", `{"tags":[{"key":"` + long(128) + `","value":"` + long(256) + `"}]}`, ""},
		// resourceArn, tags and tagKeys of the tag operations
		{"arn missing", "ListTagsForResource", `{}`, "Value null at 'resourceArn'"},
		{"arn empty", "ListTagsForResource", `{"resourceArn":""}`, "at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"arn 1012", "TagResource", `{"resourceArn":"` + long(1012) + `","tags":[{"key":"k","value":"v"}]}`,
			"Member must have length less than or equal to 1011"},
		{"arn 1011 ok", "ListTagsForResource", `{"resourceArn":"` + long(1011) + `"}`, ""},
		{"tags missing", "TagResource", `{"resourceArn":"` + arn + `"}`, "Value null at 'tags'"},
		{"tag resource tags empty", "TagResource", `{"resourceArn":"` + arn + `","tags":[]}`, "at 'tags'"},
		{"tagKeys missing", "UntagResource", `{"resourceArn":"` + arn + `"}`, "Value null at 'tagKeys'"},
		{"tagKeys 201", "UntagResource", `{"resourceArn":"` + arn + `","tagKeys":` + keysJSON(201) + `}`,
			"at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 200"},
		{"tagKeys 200 ok", "UntagResource", `{"resourceArn":"` + arn + `","tagKeys":` + keysJSON(200) + `}`, ""},
		{"tagKey empty", "UntagResource", `{"resourceArn":"` + arn + `","tagKeys":[""]}`, "at 'tagKeys.1.member'"},
		{"tagKey pattern", "UntagResource", `{"resourceArn":"` + arn + `","tagKeys":["ok","a*b"]}`, "at 'tagKeys.2.member'"},
		{"tagKey aws prefix", "UntagResource", `{"resourceArn":"` + arn + `","tagKeys":["aws:x"]}`, "reserved prefix"},
		// clientMode
		{"clientMode missing", "RotateTunnelAccessToken", `{"tunnelId":"x"}`, "Value null at 'clientMode'"},
		{"clientMode bogus", "RotateTunnelAccessToken", `{"tunnelId":"x","clientMode":"BOGUS"}`,
			"Value 'BOGUS' at 'clientMode' failed to satisfy constraint: Member must satisfy enum value set: [SOURCE, DESTINATION, ALL]"},
		{"clientMode lowercase", "RotateTunnelAccessToken", `{"tunnelId":"x","clientMode":"source"}`, "enum value set"},
		{"source with destinationConfig", "RotateTunnelAccessToken",
			`{"tunnelId":"x","clientMode":"SOURCE","destinationConfig":{"services":["a"]}}`, "cannot use destinationConfig with clientMode SOURCE"},
		// ListTunnels
		{"maxResults 0", "ListTunnels", `{"maxResults":0}`, "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"maxResults 101", "ListTunnels", `{"maxResults":101}`, "Member must have value less than or equal to 100"},
		{"maxResults 100 ok", "ListTunnels", `{"maxResults":100}`, ""},
		{"nextToken empty", "ListTunnels", `{"nextToken":""}`, "Member must satisfy regular expression pattern: [a-zA-Z0-9_=-]{1,4096}"},
		{"nextToken chars", "ListTunnels", `{"nextToken":"a+b"}`, "at 'nextToken'"},
		{"nextToken 4097", "ListTunnels", `{"nextToken":"` + long(4097) + `"}`, "at 'nextToken'"},
		{"nextToken foreign", "ListTunnels", `{"nextToken":"` + long(4096) + `"}`, "Member must be a nextToken returned by ListTunnels"},
		{"list thingName", "ListTunnels", `{"thingName":"a/b"}`, "at 'thingName'"},
		// several at once
		{"two violations", "OpenTunnel", `{"description":"","timeoutConfig":{"maxLifetimeTimeoutMinutes":0}}`,
			"2 validation errors detected: Value '' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\p{C}]{1,2048}; Value '0' at 'timeoutConfig.maxLifetimeTimeoutMinutes'"},
	}
	e := newEnv(t, func(c *Config) { c.MaxOpenTunnels = -1 })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(tt.op, tt.body)
			if tt.want == "" {
				if r.code() == codeValidation {
					t.Errorf("%s(%s) = ValidationException %q, want valid", tt.op, tt.body, r.message())
				}
				return
			}
			wantError(t, r, 400, codeValidation)
			if !strings.Contains(r.message(), tt.want) {
				t.Errorf("message %q\nlacks %q", r.message(), tt.want)
			}
		})
	}
}

func TestValidationEchoIsBounded(t *testing.T) {
	e := newEnv(t, nil)
	r := e.call("OpenTunnel", `{"description":"`+strings.Repeat(`\u0007`, 100000)+`"}`)
	wantError(t, r, 400, codeValidation)
	if len(r.message()) > 2000 {
		t.Errorf("message is %d bytes long", len(r.message()))
	}
}
