package policy

import (
	"fmt"
	"strings"
	"testing"
)

// twentyStatements builds a 20-statement policy mixing actions, resource
// wildcards and conditions (tag equality, StringLike on services, IpAddress,
// DateLessThan); the statement that allows the benchmark's request is last.
func twentyStatements() string {
	var st []string
	actions := []string{"iot:DescribeTunnel", "iot:ListTunnels", "iot:CloseTunnel", "iot:RotateTunnelAccessToken", "iot:TagResource", "iot:UntagResource", "iot:ListTagsForResource"}
	sites := []string{"paris", "rome", "madrid", "oslo", "vienna", "prague"}
	for i := 0; i < 6; i++ {
		st = append(st, fmt.Sprintf(`{"Sid":"Manage%d","Effect":"Allow","Action":["%s","%s"],"Resource":"arn:aws:iot:*:123456789012:tunnel/*","Condition":{"StringEquals":{"aws:ResourceTag/site":"%s"}}}`,
			i, actions[i%len(actions)], actions[(i+1)%len(actions)], sites[i]))
	}
	for i := 0; i < 6; i++ {
		st = append(st, fmt.Sprintf(`{"Sid":"Open%d","Effect":"Allow","Action":"iot:Open*","Resource":"arn:aws:iot:us-*-%d:123456789012:thing/%s-*","Condition":{"StringEquals":{"aws:ResourceTag/site":"%s"},"ForAllValues:StringLike":{"iot:TunnelDestinationService":["SSH*","HTTP?"]},"IpAddress":{"aws:SourceIp":["10.%d.0.0/16","2001:db8:%d::/48"]},"DateLessThan":{"aws:CurrentTime":"2027-0%d-01T00:00:00Z"}}}`,
			i, i+2, sites[i], sites[i], i, i, i+1))
	}
	for i := 0; i < 4; i++ {
		st = append(st, fmt.Sprintf(`{"Sid":"Deny%d","Effect":"Deny","Action":["iot:*Tunnel","iot:Rotate*"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/quarantine":"yes%d"}}}`, i, i))
	}
	st = append(st,
		`{"Sid":"DenyOutside","Effect":"Deny","Action":"iot:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}`,
		`{"Sid":"DenyLate","Effect":"Deny","Action":"iot:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`,
		`{"Sid":"OwnThings","Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:123456789012:thing/${aws:username}-*"}`,
		`{"Sid":"Berlin","Effect":"Allow","Action":"iot:OpenTunnel","Resource":"arn:aws:iot:*:123456789012:thing/*","Condition":{"StringEquals":{"aws:ResourceTag/site":"berlin"},"ForAllValues:StringLike":{"iot:TunnelDestinationService":"SSH*"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}}`)
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`
}

func benchRequest() *Request {
	ctx := Context{}
	ctx.Set("aws:ResourceTag/site", "berlin")
	ctx.Set("iot:TunnelDestinationService", "SSH", "SSH2")
	ctx.Set("aws:SourceIp", "192.0.2.44")
	ctx.Set("aws:CurrentTime", "2026-12-03T12:00:00Z")
	ctx.Set("aws:username", "support")
	return &Request{Action: "iot:OpenTunnel", Resource: thingARN, Context: ctx}
}

func TestTwentyStatements(t *testing.T) {
	p := mustParse(t, twentyStatements())
	if n := len(p.allow) + len(p.deny); n != 20 {
		t.Fatalf("statements = %d, want 20", n)
	}
	r := benchRequest()
	if got := p.Evaluate(r); got != Allow {
		t.Errorf("Evaluate = %v, want Allow", got)
	}
	r.Context.Set("aws:SourceIp", "198.51.100.1")
	if got := p.Evaluate(r); got != ExplicitDeny {
		t.Errorf("Evaluate from outside = %v, want ExplicitDeny", got)
	}
	r = benchRequest()
	if allocs := testing.AllocsPerRun(100, func() { p.Evaluate(r) }); allocs != 0 {
		t.Errorf("Evaluate allocates %v times, want 0", allocs)
	}
}

func BenchmarkEvaluate20Statements(b *testing.B) {
	p := mustParse(b, twentyStatements())
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if p.Evaluate(r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

func BenchmarkParse20Statements(b *testing.B) {
	doc := []byte(twentyStatements())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
