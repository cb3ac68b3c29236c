package policy

import "testing"

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s) = %v", doc, err)
	}
	return p
}

const (
	tunnelARN = "arn:aws:iot:us-east-1:123456789012:tunnel/e4bcd5b2-0f1c-4a36-9f0c-7c2b8e1b7a11"
	thingARN  = "arn:aws:iot:us-east-1:123456789012:thing/berlin-gw-1"
)

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Deny: "implicitDeny", Allow: "allowed", ExplicitDeny: "explicitDeny", 7: "Decision(7)"} {
		if got := d.String(); got != want {
			t.Errorf("Decision(%d).String() = %q, want %q", int(d), got, want)
		}
	}
}

// TestEvaluationLogic walks through the rules of AWS's policy evaluation
// logic for identity-based policies of one principal.
func TestEvaluationLogic(t *testing.T) {
	allowOpen := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:OpenTunnel","Resource":"*"}}`
	denyOpen := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iot:OpenTunnel","Resource":"*"}}`
	allowAll := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	allowDescribe := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:DescribeTunnel","Resource":"*"}}`
	open := &Request{Action: "iot:OpenTunnel", Resource: thingARN}
	tests := []struct {
		name string
		docs []string
		want Decision
	}{
		{"no policies: implicit deny", nil, Deny},
		{"a policy that does not mention the action: implicit deny", []string{allowDescribe}, Deny},
		{"an allow: allowed", []string{allowOpen}, Allow},
		{"an allow in any of several policies: allowed", []string{allowDescribe, allowOpen}, Allow},
		{"an explicit deny alone", []string{denyOpen}, ExplicitDeny},
		{"an explicit deny beats an allow in another policy", []string{allowAll, denyOpen}, ExplicitDeny},
		{"an explicit deny beats an allow whatever the order", []string{denyOpen, allowAll}, ExplicitDeny},
		{"deny and allow in one policy", []string{`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"iot:Open*","Resource":"*"}]}`}, ExplicitDeny},
		{"a deny whose condition does not hold does not deny", []string{allowAll, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`}, Allow},
	}
	for _, tt := range tests {
		var ps []*Policy
		for _, d := range tt.docs {
			ps = append(ps, mustParse(t, d))
		}
		if got := Evaluate(ps, open); got != tt.want {
			t.Errorf("%s: Evaluate = %v, want %v", tt.name, got, tt.want)
		}
		if len(ps) == 1 {
			if got := ps[0].Evaluate(open); got != tt.want {
				t.Errorf("%s: Policy.Evaluate = %v, want %v", tt.name, got, tt.want)
			}
		}
	}
	if got := Evaluate([]*Policy{nil, mustParse(t, allowOpen)}, open); got != Allow {
		t.Errorf("Evaluate with a nil policy = %v, want Allow", got)
	}
}

func TestNotActionNotResource(t *testing.T) {
	// Everything but tunnel closing; nothing on thing ARNs.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","NotAction":["iot:CloseTunnel","iot:Rotate*"],"Resource":"*"},
		{"Effect":"Deny","Action":"*","NotResource":"arn:aws:iot:*:*:tunnel/*"}]}`)
	tests := []struct {
		action, resource string
		want             Decision
	}{
		{"iot:DescribeTunnel", tunnelARN, Allow},
		{"iot:CloseTunnel", tunnelARN, Deny},
		{"iot:closetunnel", tunnelARN, Deny},
		{"iot:RotateTunnelAccessToken", tunnelARN, Deny},
		{"iot:OpenTunnel", thingARN, ExplicitDeny},
		{"iot:CloseTunnel", thingARN, ExplicitDeny},
	}
	for _, tt := range tests {
		if got := p.Evaluate(&Request{Action: tt.action, Resource: tt.resource}); got != tt.want {
			t.Errorf("Evaluate(%s on %s) = %v, want %v", tt.action, tt.resource, got, tt.want)
		}
	}
}

func TestNotResourceUnresolvedVariable(t *testing.T) {
	// An unresolved variable matches nothing, so NotResource applies.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:iot:*:*:thing/${aws:username}"}}`)
	if got := p.Evaluate(&Request{Action: "iot:OpenTunnel", Resource: thingARN}); got != Allow {
		t.Errorf("Evaluate = %v, want Allow", got)
	}
}

// TestDocumentedExamples restates examples from the IAM documentation.
func TestDocumentedExamples(t *testing.T) {
	home := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bucket","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}},
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::bucket/home/${aws:username}","arn:aws:s3:::bucket/home/${aws:username}/*"]}]}`)
	alice := kv("aws:username", "alice")
	anon := Context{}
	runInstances := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}`)
	ssl := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"BooleanExample","Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::bucket","arn:aws:s3:::bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	noTemp := mustParse(t, `{"Version":"2012-10-17","Statement":{"Action":"ec2:*","Effect":"Allow","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}}`)
	old := mustParse(t, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}}`)
	tests := []struct {
		name string
		p    *Policy
		r    Request
		want Decision
	}{
		{"own home", home, Request{"s3:GetObject", "arn:aws:s3:::bucket/home/alice/f.txt", alice}, Allow},
		{"own home root", home, Request{"s3:PutObject", "arn:aws:s3:::bucket/home/alice", alice}, Allow},
		{"other home", home, Request{"s3:GetObject", "arn:aws:s3:::bucket/home/bob/f.txt", alice}, Deny},
		{"no user name", home, Request{"s3:GetObject", "arn:aws:s3:::bucket/home//f.txt", anon}, Deny},
		{"list own prefix", home, Request{"s3:ListBucket", "arn:aws:s3:::bucket", kv("aws:username", "alice", "s3:prefix", "home/alice/")}, Allow},
		{"list other prefix", home, Request{"s3:ListBucket", "arn:aws:s3:::bucket", kv("aws:username", "alice", "s3:prefix", "home/bob/")}, Deny},
		{"list root", home, Request{"s3:ListBucket", "arn:aws:s3:::bucket", kv("aws:username", "alice", "s3:prefix", "")}, Allow},
		{"run t2", runInstances, Request{"ec2:RunInstances", "arn:aws:ec2:r:1:instance/*", kv("ec2:InstanceType", "t2.micro")}, Allow},
		{"run m5", runInstances, Request{"ec2:RunInstances", "arn:aws:ec2:r:1:instance/*", kv("ec2:InstanceType", "m5.large")}, Deny},
		{"run on an image", runInstances, Request{"ec2:RunInstances", "arn:aws:ec2:r::image/ami-1", nil}, Allow},
		{"plain http", ssl, Request{"s3:GetObject", "arn:aws:s3:::bucket/x", kv("aws:SecureTransport", "false")}, ExplicitDeny},
		{"https", ssl, Request{"s3:GetObject", "arn:aws:s3:::bucket/x", kv("aws:SecureTransport", "true")}, Allow},
		{"long-term key", noTemp, Request{"ec2:DescribeInstances", "*", nil}, Allow},
		{"temporary credentials", noTemp, Request{"ec2:DescribeInstances", "*", kv("aws:TokenIssueTime", "2026-12-03T10:00:00Z")}, Deny},
		{"2008 variables are literal", old, Request{"s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", alice}, Deny},
		{"2008 literal matches itself", old, Request{"s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/f", alice}, Allow},
	}
	for _, tt := range tests {
		if got := tt.p.Evaluate(&tt.r); got != tt.want {
			t.Errorf("%s: Evaluate(%+v) = %v, want %v", tt.name, tt.r, got, tt.want)
		}
	}
}

// TestTunnelPolicy is the support/admin split the issue asks for.
func TestTunnelPolicy(t *testing.T) {
	support := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"OpenBerlinSSH","Effect":"Allow","Action":"iot:OpenTunnel","Resource":"arn:aws:iot:*:123456789012:thing/*",
		 "Condition":{"StringEquals":{"aws:ResourceTag/site":"berlin"},"ForAllValues:StringEquals":{"iot:TunnelDestinationService":"SSH"},"Null":{"iot:TunnelDestinationService":"false"}}},
		{"Sid":"OpenTunnelResource","Effect":"Allow","Action":"iot:OpenTunnel","Resource":"arn:aws:iot:*:123456789012:tunnel/*"},
		{"Sid":"ReadAll","Effect":"Allow","Action":["iot:DescribeTunnel","iot:ListTunnels"],"Resource":"*"}]}`)
	ssh, rdp, both, none := Context{}, Context{}, Context{}, Context{}
	ssh.Set("iot:TunnelDestinationService", "SSH")
	rdp.Set("iot:TunnelDestinationService", "RDP")
	both.Set("iot:TunnelDestinationService", "SSH", "RDP")
	for _, c := range []Context{ssh, rdp, both, none} {
		c.Set("aws:ResourceTag/site", "berlin")
	}
	paris := Context{}
	paris.Set("aws:ResourceTag/site", "paris")
	paris.Set("iot:TunnelDestinationService", "SSH")
	tests := []struct {
		name string
		r    Request
		want Decision
	}{
		{"ssh to berlin", Request{"iot:OpenTunnel", thingARN, ssh}, Allow},
		{"rdp to berlin", Request{"iot:OpenTunnel", thingARN, rdp}, Deny},
		{"ssh and rdp", Request{"iot:OpenTunnel", thingARN, both}, Deny},
		{"no service", Request{"iot:OpenTunnel", thingARN, none}, Deny},
		{"paris", Request{"iot:OpenTunnel", thingARN, paris}, Deny},
		{"tunnel resource", Request{"iot:OpenTunnel", tunnelARN, nil}, Allow},
		{"describe", Request{"iot:DescribeTunnel", tunnelARN, nil}, Allow},
		{"close", Request{"iot:CloseTunnel", tunnelARN, nil}, Deny},
	}
	for _, tt := range tests {
		if got := support.Evaluate(&tt.r); got != tt.want {
			t.Errorf("%s: Evaluate = %v, want %v", tt.name, got, tt.want)
		}
	}
}
