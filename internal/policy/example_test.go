package policy_test

import (
	"fmt"

	"github.com/adit-project/adit/internal/policy"
)

func ExampleParseFile() {
	f, err := policy.ParseFile([]byte(`{"users": [{
		"name": "support",
		"accessKeyIds": ["AKIAIOSFODNN7EXAMPLE"],
		"policies": [{
			"Version": "2012-10-17",
			"Statement": {
				"Effect": "Allow",
				"Action": "iot:OpenTunnel",
				"Resource": "arn:aws:iot:*:123456789012:thing/*",
				"Condition": {
					"StringEquals": {"aws:ResourceTag/site": "berlin"},
					"ForAllValues:StringEquals": {"iot:TunnelDestinationService": "SSH"}
				}
			}
		}]
	}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := f.UserByAccessKey("AKIAIOSFODNN7EXAMPLE")
	ctx := policy.Context{}
	ctx.Set("aws:ResourceTag/site", "berlin")
	ctx.Set("iot:TunnelDestinationService", "SSH")
	r := &policy.Request{
		Action:   "iot:OpenTunnel",
		Resource: "arn:aws:iot:eu-central-1:123456789012:thing/gw-7",
		Context:  ctx,
	}
	fmt.Println(u.Name, r.Action, u.Evaluate(r))
	ctx.Set("iot:TunnelDestinationService", "SSH", "RDP")
	fmt.Println(u.Name, r.Action, u.Evaluate(r))
	// Output:
	// support iot:OpenTunnel allowed
	// support iot:OpenTunnel implicitDeny
}

func ExampleParse_error() {
	_, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "iot:*", "Resource": "*"},
		{"Effect": "Allow", "Action": "iot:*", "Resource": "*",
		 "Condition": {"StringEqualz": {"aws:ResourceTag/site": "berlin"}}}]}`))
	fmt.Println(err)
	// Output: Statement[1].Condition: unknown operator "StringEqualz"
}
