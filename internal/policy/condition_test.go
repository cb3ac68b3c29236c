package policy

import (
	"encoding/base64"
	"testing"
)

const testThing = "arn:aws:iot:us-east-1:123456789012:thing/berlin-1"

// condHolds reports whether an Allow statement with the given Condition
// block allows a request with ctx.
func condHolds(t *testing.T, cond string, ctx Context) bool {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}}`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s) = %v", cond, err)
	}
	return p.Evaluate(&Request{Action: "iot:OpenTunnel", Resource: testThing, Context: ctx}) == Allow
}

type condCase struct {
	name string
	cond string
	ctx  Context
	want bool
}

func runCondCases(t *testing.T, cases []condCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := condHolds(t, tt.cond, tt.ctx); got != tt.want {
				t.Errorf("condition %s with %v = %v, want %v", tt.cond, tt.ctx, got, tt.want)
			}
		})
	}
}

func kv(pairs ...string) Context {
	c := Context{}
	for i := 0; i+1 < len(pairs); i += 2 {
		c.Add(pairs[i], pairs[i+1])
	}
	return c
}

func TestStringOperators(t *testing.T) {
	site := kv("aws:ResourceTag/site", "berlin")
	runCondCases(t, []condCase{
		{"equals", `{"StringEquals":{"aws:ResourceTag/site":"berlin"}}`, site, true},
		{"equals other", `{"StringEquals":{"aws:ResourceTag/site":"paris"}}`, site, false},
		{"equals case", `{"StringEquals":{"aws:ResourceTag/site":"Berlin"}}`, site, false},
		{"equals key case", `{"StringEquals":{"AWS:RESOURCETAG/SITE":"berlin"}}`, site, true},
		{"equals any of values", `{"StringEquals":{"aws:ResourceTag/site":["paris","berlin"]}}`, site, true},
		{"equals star literal", `{"StringEquals":{"aws:ResourceTag/site":"*"}}`, site, false},
		{"equals missing", `{"StringEquals":{"aws:ResourceTag/site":"berlin"}}`, nil, false},
		{"equals number value", `{"StringEquals":{"s:n":10}}`, kv("s:n", "10"), true},
		{"not equals", `{"StringNotEquals":{"aws:ResourceTag/site":"paris"}}`, site, true},
		{"not equals same", `{"StringNotEquals":{"aws:ResourceTag/site":"berlin"}}`, site, false},
		{"not equals NOR", `{"StringNotEquals":{"aws:ResourceTag/site":["paris","berlin"]}}`, site, false},
		{"not equals NOR none", `{"StringNotEquals":{"aws:ResourceTag/site":["paris","rome"]}}`, site, true},
		{"not equals missing", `{"StringNotEquals":{"aws:ResourceTag/site":"paris"}}`, nil, true},
		{"ignorecase", `{"StringEqualsIgnoreCase":{"aws:ResourceTag/site":"BERLIN"}}`, site, true},
		{"ignorecase other", `{"StringEqualsIgnoreCase":{"aws:ResourceTag/site":"PARIS"}}`, site, false},
		{"not ignorecase", `{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/site":"BERLIN"}}`, site, false},
		{"not ignorecase missing", `{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/site":"BERLIN"}}`, nil, true},
		{"like", `{"StringLike":{"aws:ResourceTag/site":"ber*"}}`, site, true},
		{"like ?", `{"StringLike":{"aws:ResourceTag/site":"berli?"}}`, site, true},
		{"like case", `{"StringLike":{"aws:ResourceTag/site":"BER*"}}`, site, false},
		{"like empty", `{"StringLike":{"s:p":""}}`, kv("s:p", ""), true},
		{"like missing", `{"StringLike":{"aws:ResourceTag/site":"*"}}`, nil, false},
		{"not like", `{"StringNotLike":{"aws:ResourceTag/site":"par*"}}`, site, true},
		{"not like match", `{"StringNotLike":{"aws:ResourceTag/site":["par*","ber*"]}}`, site, false},
		{"not like missing", `{"StringNotLike":{"aws:ResourceTag/site":"ber*"}}`, nil, true},
		{"variable", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, kv("aws:ResourceTag/owner", "alice", "aws:username", "alice"), true},
		{"variable other", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, kv("aws:ResourceTag/owner", "alice", "aws:username", "bob"), false},
		{"variable unresolved", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, kv("aws:ResourceTag/owner", ""), false},
		{"variable unresolved negated", `{"StringNotEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, kv("aws:ResourceTag/owner", "x"), true},
		{"variable default", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username, 'nobody'}"}}`, kv("aws:ResourceTag/owner", "nobody"), true},
		{"like variable", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, kv("s3:prefix", "home/alice/docs", "aws:username", "alice"), true},
		{"ignorecase variable", `{"StringEqualsIgnoreCase":{"k":"${aws:username}"}}`, kv("k", "ALICE", "aws:username", "alice"), true},
	})
}

func TestNumericOperators(t *testing.T) {
	n := kv("s3:max-keys", "10")
	runCondCases(t, []condCase{
		{"eq", `{"NumericEquals":{"s3:max-keys":"10"}}`, n, true},
		{"eq decimal", `{"NumericEquals":{"s3:max-keys":"10.0"}}`, n, true},
		{"eq json number", `{"NumericEquals":{"s3:max-keys":10}}`, n, true},
		{"eq other", `{"NumericEquals":{"s3:max-keys":"11"}}`, n, false},
		{"ne", `{"NumericNotEquals":{"s3:max-keys":"11"}}`, n, true},
		{"ne same", `{"NumericNotEquals":{"s3:max-keys":["11","10"]}}`, n, false},
		{"ne missing", `{"NumericNotEquals":{"s3:max-keys":"11"}}`, nil, true},
		{"lt", `{"NumericLessThan":{"s3:max-keys":"11"}}`, n, true},
		{"lt equal", `{"NumericLessThan":{"s3:max-keys":"10"}}`, n, false},
		{"le", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, n, true},
		{"le below", `{"NumericLessThanEquals":{"s3:max-keys":"9.5"}}`, n, false},
		{"gt", `{"NumericGreaterThan":{"s3:max-keys":"9"}}`, n, true},
		{"gt equal", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, n, false},
		{"ge", `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, n, true},
		{"ge above", `{"NumericGreaterThanEquals":{"s3:max-keys":"10.01"}}`, n, false},
		{"negative", `{"NumericLessThan":{"k":"0"}}`, kv("k", "-3"), true},
		{"missing", `{"NumericLessThan":{"s3:max-keys":"100"}}`, nil, false},
		{"bad request value", `{"NumericLessThan":{"k":"100"}}`, kv("k", "ten"), false},
		{"bad request value negated", `{"NumericNotEquals":{"k":"100"}}`, kv("k", "ten"), true},
	})
}

func TestDateOperators(t *testing.T) {
	now := kv("aws:CurrentTime", "2026-12-03T12:00:00Z", "aws:EpochTime", "1796299200")
	runCondCases(t, []condCase{
		{"lt", `{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, now, true},
		{"lt past", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, now, false},
		{"lt day", `{"DateLessThan":{"aws:CurrentTime":"2026-12-04"}}`, now, true},
		{"lt month", `{"DateLessThan":{"aws:CurrentTime":"2026-12"}}`, now, false},
		{"lt minutes", `{"DateLessThan":{"aws:CurrentTime":"2026-12-03T12:01Z"}}`, now, true},
		{"lt zone", `{"DateLessThan":{"aws:CurrentTime":"2026-12-03T12:30:00+01:00"}}`, now, false},
		{"lt fraction", `{"DateLessThan":{"aws:CurrentTime":"2026-12-03T12:00:00.5Z"}}`, now, true},
		{"lt no zone is UTC", `{"DateLessThan":{"aws:CurrentTime":"2026-12-03T12:00:01"}}`, now, true},
		{"lt epoch policy", `{"DateLessThan":{"aws:CurrentTime":"1796299201"}}`, now, true},
		{"lt epoch json number", `{"DateLessThan":{"aws:CurrentTime":1796299199}}`, now, false},
		{"epoch key", `{"DateGreaterThan":{"aws:EpochTime":"2026-12-03T11:59:59Z"}}`, now, true},
		{"le equal", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-12-03T12:00:00Z"}}`, now, true},
		{"gt", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:01Z"}}`, now, true},
		{"gt equal", `{"DateGreaterThan":{"aws:CurrentTime":"2026-12-03T12:00:00Z"}}`, now, false},
		{"ge equal", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-12-03T13:00:00+01:00"}}`, now, true},
		{"eq", `{"DateEquals":{"aws:CurrentTime":"2026-12-03T13:00:00+01:00"}}`, now, true},
		{"ne", `{"DateNotEquals":{"aws:CurrentTime":"2026-12-03T13:00:00Z"}}`, now, true},
		{"ne same", `{"DateNotEquals":{"aws:CurrentTime":"2026-12-03T12:00:00Z"}}`, now, false},
		{"missing", `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}`, now, false},
		{"bad request value", `{"DateLessThan":{"k":"2027-01-01"}}`, kv("k", "soon"), false},
	})
}

func TestBoolBinaryNull(t *testing.T) {
	bin := base64.StdEncoding.EncodeToString([]byte("BinaryValue\x00\xff"))
	runCondCases(t, []condCase{
		{"bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "true"), true},
		{"bool json", `{"Bool":{"aws:SecureTransport":true}}`, kv("aws:SecureTransport", "TRUE"), true},
		{"bool false", `{"Bool":{"aws:SecureTransport":"false"}}`, kv("aws:SecureTransport", "true"), false},
		{"bool missing", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{"bool missing ifexists", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, nil, true},
		{"bool bad value", `{"Bool":{"k":"true"}}`, kv("k", "yes"), false},
		{"binary", `{"BinaryEquals":{"k":"` + bin + `"}}`, kv("k", "BinaryValue\x00\xff"), true},
		{"binary other", `{"BinaryEquals":{"k":"` + bin + `"}}`, kv("k", "BinaryValue"), false},
		{"binary missing", `{"BinaryEquals":{"k":"` + bin + `"}}`, nil, false},
		{"null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, kv("aws:TokenIssueTime", "x"), false},
		{"null false present", `{"Null":{"aws:TokenIssueTime":false}}`, kv("aws:TokenIssueTime", "x"), true},
		{"null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"null empty list is absent", `{"Null":{"k":"true"}}`, Context{"k": {}}, true},
	})
}

func TestIPOperators(t *testing.T) {
	v4 := kv("aws:SourceIp", "203.0.113.7")
	v6 := kv("aws:SourceIp", "2001:db8:1234:5678::9")
	runCondCases(t, []condCase{
		{"v4 in", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, v4, true},
		{"v4 out", `{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, v4, false},
		{"v4 bare address", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, v4, true},
		{"v4 bare other", `{"IpAddress":{"aws:SourceIp":"203.0.113.8"}}`, v4, false},
		{"v4 unmasked prefix", `{"IpAddress":{"aws:SourceIp":"203.0.113.99/24"}}`, v4, true},
		{"v6 in", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, v6, true},
		{"v6 out", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5679::/64"}}`, v6, false},
		{"mixed list", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, v6, true},
		{"v4 in v6 prefix", `{"IpAddress":{"aws:SourceIp":"::/0"}}`, v4, false},
		{"mapped request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "::ffff:203.0.113.7"), true},
		{"not in", `{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, v4, true},
		{"not out", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, v4, false},
		{"not missing", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},
		{"missing", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, nil, false},
		{"bad request value", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, kv("aws:SourceIp", "localhost"), false},
	})
}

func TestARNOperators(t *testing.T) {
	src := kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-1", "aws:username", "topic-1")
	runCondCases(t, []condCase{
		{"equals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic-1"}}`, src, true},
		{"equals wildcard", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-?"}}`, src, true},
		{"like", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, src, true},
		{"like account", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:999999999999:*"}}`, src, false},
		{"like case", `{"ArnLike":{"aws:SourceArn":"arn:aws:SNS:*:*:*"}}`, src, false},
		{"like variable", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:${aws:username}"}}`, src, true},
		{"not equals", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*:*:other"}}`, src, true},
		{"not like", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic-*"}}`, src, false},
		{"not like missing", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic-*"}}`, nil, true},
		{"like missing", `{"ArnLike":{"aws:SourceArn":"*"}}`, nil, false},
		// StringLike lets '*' span colons where ArnLike does not.
		{"doc string like", `{"StringLike":{"k":"arn:aws:someservice:*:111122223333:finance/*"}}`, kv("k", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), true},
		{"doc arn like", `{"ArnLike":{"k":"arn:aws:someservice:*:111122223333:finance/*"}}`, kv("k", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), false},
	})
}

func TestIfExists(t *testing.T) {
	runCondCases(t, []condCase{
		{"absent", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, nil, true},
		{"present match", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, kv("ec2:InstanceType", "t2.micro"), true},
		{"present mismatch", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, kv("ec2:InstanceType", "m5.large"), false},
		{"negated absent", `{"StringNotEqualsIfExists":{"k":"x"}}`, nil, true},
		{"negated present", `{"StringNotEqualsIfExists":{"k":"x"}}`, kv("k", "x"), false},
		{"numeric absent", `{"NumericLessThanIfExists":{"k":"1"}}`, nil, true},
		{"date present", `{"DateLessThanIfExists":{"k":"2020-01-01"}}`, kv("k", "2021-01-01"), false},
		{"ip absent", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		{"arn absent", `{"ArnLikeIfExists":{"k":"arn:*"}}`, nil, true},
		{"set prefix absent", `{"ForAnyValue:StringEqualsIfExists":{"k":"x"}}`, nil, true},
	})
}

func TestSetOperators(t *testing.T) {
	tags := Context{}
	tags.Set("aws:TagKeys", "environment", "cost-center")
	runCondCases(t, []condCase{
		{"all subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center","owner"]}}`, tags, true},
		{"all not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, tags, false},
		{"all absent is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"all empty is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:tagkeys": {}}, true},
		{"all like", `{"ForAllValues:StringLike":{"aws:TagKeys":"*e*"}}`, tags, true},
		{"all not equals", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner","secret"]}}`, tags, true},
		{"all not equals one hit", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["environment"]}}`, tags, false},
		{"any hit", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","x"]}}`, tags, true},
		{"any miss", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["x","y"]}}`, tags, false},
		{"any absent is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"any not equals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment"]}}`, tags, true},
		{"any not equals all hit", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags, false},
		{"any not equals absent", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["x"]}}`, nil, false},
		{"all not equals absent", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["x"]}}`, nil, true},
		{"plain multi any", `{"StringEquals":{"aws:TagKeys":"cost-center"}}`, tags, true},
		{"plain multi negated", `{"StringNotEquals":{"aws:TagKeys":"cost-center"}}`, tags, false},
		{"services ssh only", `{"ForAllValues:StringEquals":{"iot:TunnelDestinationService":"SSH"}}`, kv("iot:TunnelDestinationService", "SSH"), true},
		{"services ssh and rdp", `{"ForAllValues:StringEquals":{"iot:TunnelDestinationService":"SSH"}}`, kv("iot:TunnelDestinationService", "SSH", "iot:TunnelDestinationService", "RDP"), false},
		{"all numeric", `{"ForAllValues:NumericLessThan":{"k":"10"}}`, kv("k", "1", "k", "9"), true},
		{"any ip", `{"ForAnyValue:IpAddress":{"k":"10.0.0.0/8"}}`, kv("k", "192.0.2.1", "k", "10.1.2.3"), true},
	})
}

func TestConditionBlockLogic(t *testing.T) {
	ctx := kv("aws:PrincipalTag/department", "finance", "aws:PrincipalTag/role", "audit",
		"aws:PrincipalArn", "arn:aws:iam::222222222222:user/Ana")
	runCondCases(t, []condCase{
		{"and of operators and keys", `{"StringEquals":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:user/Ana","arn:aws:iam::222222222222:user/Mary"]}}`, ctx, true},
		{"one key fails", `{"StringEquals":{"aws:PrincipalTag/department":"finance","aws:PrincipalTag/role":"security"}}`, ctx, false},
		{"one operator fails", `{"StringEquals":{"aws:PrincipalTag/department":"finance"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/Mary"}}`, ctx, false},
		{"negated NOR", `{"StringNotEquals":{"aws:PrincipalTag/department":["finance","hr"]}}`, ctx, false},
	})
}
