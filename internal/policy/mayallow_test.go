package policy

import "testing"

func TestMayAllow(t *testing.T) {
	p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iot:ListTunnels","Resource":"arn:aws:iot:*:*:tunnel/*",
		 "Condition":{"StringEquals":{"aws:ResourceTag/site":"berlin"}}},
		{"Effect":"Allow","NotAction":"iot:*Tunnel","Resource":"*"},
		{"Effect":"Deny","Action":"iot:CloseTunnel","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"iot:ListTunnels":     true,  // scoped Allow
		"iot:TagResource":     true,  // NotAction covers it
		"iot:CloseTunnel":     false, // only denied, and excluded by the NotAction
		"iot:DescribeTunnel":  false,
		"iot:listtunnels":     true, // actions are case-insensitive
		"s3:GetObject":        true, // NotAction iot:*Tunnel covers other services
		"iot:OpenTunnel":      false,
		"iot:UntagResource":   true,
		"iot:RotateAccessKey": true,
	}
	for action, want := range cases {
		if got := MayAllow([]*Policy{p}, action); got != want {
			t.Errorf("MayAllow(%s) = %v, want %v", action, got, want)
		}
	}
	if MayAllow(nil, "iot:ListTunnels") {
		t.Error("MayAllow(no policies) = true")
	}
}
