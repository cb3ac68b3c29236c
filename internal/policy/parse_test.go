package policy

import (
	"errors"
	"strings"
	"testing"
)

// stmt wraps statement members into a 2012-10-17 policy with one statement.
func stmt(members string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{` + members + `}]}`
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		doc  string
		want string // the whole error text
	}{
		{``, `invalid JSON at offset 0: unexpected EOF`},
		{`{`, `invalid JSON at offset 1: unexpected EOF`},
		{`{"Statement": [}`, `invalid JSON at offset 15: invalid character '}' looking for beginning of value`},
		{`{} {}`, `invalid JSON at offset 2: data after the document`},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), `invalid JSON at offset 33: nested too deeply`},
		{`[]`, `must be an object, not an array`},
		{`{"Version":"2012-10-17"}`, `Statement: missing`},
		{`{"Version":"2012-10-17","Statement":[]}`, `Statement: no statements`},
		{`{"Version":"2012-10-17","Statement":"x"}`, `Statement: must be an object, not a string`},
		{`{"Version":"2019-01-01","Statement":[]}`, `Version: must be "2012-10-17" or "2008-10-17", not "2019-01-01"`},
		{`{"Version":20121017,"Statement":[]}`, `Version: must be a string, not a number`},
		{`{"Id":1,"Statement":[]}`, `Id: must be a string, not a number`},
		{`{"Statement":[],"Extra":1}`, `Extra: unknown member`},
		{`{"statement":[]}`, `statement: unknown member`},
		{`{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}`, `Version: duplicate member`},
		{stmt(`"Effect":"Allow","Action":"*"`), `Statement[1]: needs Resource or NotResource`},
		{stmt(`"Effect":"Allow","Resource":"*"`), `Statement[1]: needs Action or NotAction`},
		{stmt(`"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"`), `Statement[1]: has both Action and NotAction`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"`), `Statement[1]: has both Resource and NotResource`},
		{stmt(`"Action":"*","Resource":"*"`), `Statement[1].Effect: missing`},
		{stmt(`"Effect":"allow","Action":"*","Resource":"*"`), `Statement[1].Effect: must be "Allow" or "Deny", not "allow"`},
		{stmt(`"Effect":true,"Action":"*","Resource":"*"`), `Statement[1].Effect: must be a string, not a boolean`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"`), `Statement[1].Principal: not allowed in an identity-based policy (the principal is the user the policy is attached to)`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","NotPrincipal":{"AWS":"*"}`), `Statement[1].NotPrincipal: not allowed in an identity-based policy (the principal is the user the policy is attached to)`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Actions":"*"`), `Statement[1].Actions: unknown member`},
		{stmt(`"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"`), `Statement[1].Effect: duplicate member`},
		{stmt(`"Sid":"a b","Effect":"Allow","Action":"*","Resource":"*"`), `Statement[1].Sid: "a b": only ASCII letters and digits are allowed`},
		{`{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}]}`, `Statement[1].Sid: duplicate Sid "A"`},
		{stmt(`"Effect":"Allow","Action":[],"Resource":"*"`), `Statement[1].Action: empty array`},
		{stmt(`"Effect":"Allow","Action":5,"Resource":"*"`), `Statement[1].Action: must be a string or an array of strings, not a number`},
		{stmt(`"Effect":"Allow","Action":["iot:OpenTunnel",5],"Resource":"*"`), `Statement[1].Action[1]: must be a string, not a number`},
		{stmt(`"Effect":"Allow","Action":"OpenTunnel","Resource":"*"`), `Statement[1].Action: "OpenTunnel": an action is "*" or "service:action"`},
		{stmt(`"Effect":"Allow","Action":"i*t:OpenTunnel","Resource":"*"`), `Statement[1].Action: "i*t:OpenTunnel": the service prefix may hold only letters, digits and '-'`},
		{stmt(`"Effect":"Allow","NotAction":["iot:OpenTunnel","iot:"],"Resource":"*"`), `Statement[1].NotAction[1]: "iot:": an action is "*" or "service:action"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"thing/x"`), `Statement[1].Resource: "thing/x": a resource is "*" or an ARN`},
		{stmt(`"Effect":"Allow","Action":"*","NotResource":["*","arn:aws:iot:*:*:thing/${aws:username"]`), `Statement[1].NotResource[1]: unterminated policy variable "${aws:username"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":[]`), `Statement[1].Condition: must be an object, not an array`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}`), `Statement[1].Condition: unknown operator "StringEqualz"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"k":"v"}}`), `Statement[1].Condition: unknown operator "stringequals"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}`), `Statement[1].Condition: unknown operator "ForSomeValues:StringEquals"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}`), `Statement[1].Condition: operator "NullIfExists": Null takes neither a set prefix nor IfExists`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:Null":{"k":"true"}}`), `Statement[1].Condition: operator "ForAnyValue:Null": Null takes neither a set prefix nor IfExists`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"v"},"StringEquals":{"j":"v"}}`), `Statement[1].Condition.StringEquals: duplicate operator (AWS would silently keep only the last)`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"v"}`), `Statement[1].Condition.StringEquals: must be an object, not a string`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}`), `Statement[1].Condition.StringEquals: no condition keys`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}`), `Statement[1].Condition.StringEquals.AWS:UserName: duplicate condition key (keys are case-insensitive)`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a b":"v"}}`), `Statement[1].Condition.StringEquals.a b: malformed condition key "a b"`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[]}}`), `Statement[1].Condition.StringEquals.k: no values`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["v",null]}}`), `Statement[1].Condition.StringEquals.k[1]: must be a string, number or boolean, not null`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":"b"}}}`), `Statement[1].Condition.StringEquals.k: must be a string, number or boolean, not an object`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"k":"${x, y}"}}`), `Statement[1].Condition.StringLike.k: policy variable "${x, y}": default value must be in single quotes`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":"ten"}}`), `Statement[1].Condition.NumericLessThan.k: "ten" is not a number`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":"NaN"}}`), `Statement[1].Condition.NumericLessThan.k: "NaN" is not a number`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":["2020-01-01","tomorrow"]}}`), `Statement[1].Condition.DateLessThan.aws:CurrentTime[1]: "tomorrow" is not an ISO 8601 date or epoch seconds`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-13-01"}}`), `Statement[1].Condition.DateLessThan.aws:CurrentTime: "2020-13-01" is not an ISO 8601 date or epoch seconds`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}`), `Statement[1].Condition.Bool.aws:SecureTransport: "yes" is not true or false`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":1}}`), `Statement[1].Condition.Null.k: "1" is not true or false`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"k":"not base64!"}}`), `Statement[1].Condition.BinaryEquals.k: "not base64!" is not base64`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}`), `Statement[1].Condition.IpAddress.aws:SourceIp: "203.0.113.0/33" is not an IP address or CIDR range`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"fe80::1%eth0"}}`), `Statement[1].Condition.IpAddress.aws:SourceIp: "fe80::1%eth0" is not an IP address or CIDR range`},
		{stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"k":"arn:${"}}`), `Statement[1].Condition.ArnLike.k: unterminated policy variable "${"`},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`, `Statement: needs Resource or NotResource`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil {
			t.Errorf("Parse(%s) succeeded, want %q", tt.doc, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%s)\n got  %q\n want %q", tt.doc, err, tt.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%s) error %T is not a *ParseError", tt.doc, err)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	docs := []string{
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, // no Version: 2008-10-17
		`{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Deny","NotAction":"iot:*","NotResource":["arn:aws:iot:*"]}]}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"}]}`,
		stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{}`),
		stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"k":["a*","b?"]},"DateLessThan":{"aws:CurrentTime":1700000000}}`),
	}
	for _, d := range docs {
		if _, err := Parse([]byte(d)); err != nil {
			t.Errorf("Parse(%s) = %v", d, err)
		}
	}
	if p := mustParse(t, docs[0]); p.Version != Version2008 {
		t.Errorf("Version without a Version element = %q, want %q", p.Version, Version2008)
	}
	if p := mustParse(t, docs[1]); p.ID != "x" {
		t.Errorf("ID = %q, want x", p.ID)
	}
}
