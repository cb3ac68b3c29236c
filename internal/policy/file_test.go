package policy

import (
	"os"
	"testing"
)

func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/policies.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile(data)
	if err != nil {
		t.Fatalf("ParseFile = %v", err)
	}
	if len(f.Users) != 2 || f.Users[0].Name != "support" || f.Users[1].Name != "admin" {
		t.Fatalf("users = %+v, want support and admin", f.Users)
	}
	support, ok := f.UserByAccessKey("AKIASUPPORT000000002")
	if !ok || support.Name != "support" {
		t.Fatalf("UserByAccessKey(support key) = %v, %v", support, ok)
	}
	admin, ok := f.UserByAccessKey("AKIAADMIN00000000001")
	if !ok || admin.Name != "admin" {
		t.Fatalf("UserByAccessKey(admin key) = %v, %v", admin, ok)
	}
	if u, ok := f.UserByAccessKey("AKIAUNKNOWN"); ok {
		t.Errorf("UserByAccessKey(unknown) = %v, want none", u)
	}
	ctx := func(site, ip string, services ...string) Context {
		c := Context{}
		c.Set("aws:SourceIp", ip)
		if site != "" {
			c.Set("aws:ResourceTag/site", site)
		}
		if services != nil {
			c.Set("iot:TunnelDestinationService", services...)
		}
		return c
	}
	const office, home = "192.0.2.10", "198.51.100.7"
	tests := []struct {
		name string
		user *User
		r    Request
		want Decision
	}{
		{"support opens SSH to berlin", support, Request{"iot:OpenTunnel", thingARN, ctx("berlin", office, "SSH")}, Allow},
		{"support opens RDP to berlin", support, Request{"iot:OpenTunnel", thingARN, ctx("berlin", office, "RDP")}, Deny},
		{"support opens SSH and RDP", support, Request{"iot:OpenTunnel", thingARN, ctx("berlin", office, "SSH", "RDP")}, Deny},
		{"support opens without services", support, Request{"iot:OpenTunnel", thingARN, ctx("berlin", office)}, Deny},
		{"support opens SSH to paris", support, Request{"iot:OpenTunnel", thingARN, ctx("paris", office, "SSH")}, Deny},
		{"support opens to an untagged thing", support, Request{"iot:OpenTunnel", thingARN, ctx("", office, "SSH")}, Deny},
		{"support authorised on the tunnel ARN", support, Request{"iot:OpenTunnel", tunnelARN, ctx("", office)}, Allow},
		{"support closes a berlin tunnel", support, Request{"iot:CloseTunnel", tunnelARN, ctx("berlin", office)}, Allow},
		{"support closes a paris tunnel", support, Request{"iot:CloseTunnel", tunnelARN, ctx("paris", office)}, Deny},
		{"support tags", support, Request{"iot:TagResource", tunnelARN, ctx("berlin", office)}, Deny},
		{"support lists", support, Request{"iot:ListTunnels", "*", ctx("", "2001:db8::1")}, Allow},
		{"support from home", support, Request{"iot:ListTunnels", "*", ctx("", home)}, ExplicitDeny},
		{"admin opens RDP to paris from home", admin, Request{"iot:OpenTunnel", thingARN, ctx("paris", home, "RDP")}, Allow},
		{"admin tags", admin, Request{"iot:TagResource", tunnelARN, ctx("", home)}, Allow},
	}
	for _, tt := range tests {
		if got := tt.user.Evaluate(&tt.r); got != tt.want {
			t.Errorf("%s: Evaluate = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseFileEmpty(t *testing.T) {
	f, err := ParseFile([]byte(`{"users": []}`))
	if err != nil {
		t.Fatalf("ParseFile(empty) = %v", err)
	}
	if len(f.Users) != 0 {
		t.Errorf("users = %v, want none", f.Users)
	}
	if _, ok := f.UserByAccessKey("AKIA1"); ok {
		t.Error("an empty file knows a key")
	}
	f, err = ParseFile([]byte(`{"users": [{"name": "nobody"}]}`))
	if err != nil || len(f.Users) != 1 || len(f.Users[0].Policies) != 0 {
		t.Fatalf("ParseFile(user without keys and policies) = %v, %v", f, err)
	}
	if d := f.Users[0].Evaluate(&Request{Action: "iot:ListTunnels", Resource: "*"}); d != Deny {
		t.Errorf("a user without policies: %v, want Deny", d)
	}
}

func TestParseFileErrors(t *testing.T) {
	const allow = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	tests := []struct {
		doc  string
		want string
	}{
		{`{"users": [}`, `invalid JSON at offset 11: invalid character '}' looking for beginning of value`},
		{`[]`, `must be an object, not an array`},
		{`{}`, `users: missing`},
		{`{"users": {}}`, `users: must be an array, not an object`},
		{`{"users": [], "groups": []}`, `groups: unknown member`},
		{`{"Users": []}`, `Users: unknown member`},
		{`{"users": [], "users": []}`, `users: duplicate member`},
		{`{"users": ["support"]}`, `users[0]: must be an object, not a string`},
		{`{"users": [{"accessKeyIds": []}]}`, `users[0].name: missing`},
		{`{"users": [{"name": 7}]}`, `users[0].name: must be a string, not a number`},
		{`{"users": [{"name": ""}]}`, `users[0].name: "": a user name has 1 to 64 characters`},
		{`{"users": [{"name": "sup port"}]}`, `users[0].name: "sup port": a user name may hold only letters, digits and +=,.@_-`},
		{`{"users": [{"name": "a/b"}]}`, `users[0].name: "a/b": a user name may hold only letters, digits and +=,.@_-`},
		{`{"users": [{"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]}`, `users[0].name: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": a user name has 1 to 64 characters`},
		{`{"users": [{"name": "a"}, {"name": "A"}]}`, `users[1].name: user "A" is listed twice`},
		{`{"users": [{"name": "a", "role": "x"}]}`, `users[0].role: unknown member`},
		{`{"users": [{"name": "a", "accessKeyIds": "AKIA1"}]}`, `users[0].accessKeyIds: must be an array, not a string`},
		{`{"users": [{"name": "a", "accessKeyIds": [1]}]}`, `users[0].accessKeyIds[0]: must be a string, not a number`},
		{`{"users": [{"name": "a", "accessKeyIds": ["AKIA 1"]}]}`, `users[0].accessKeyIds[0]: "AKIA 1": an access key id may hold only letters, digits and _`},
		{`{"users": [{"name": "a", "accessKeyIds": [""]}]}`, `users[0].accessKeyIds[0]: "": an access key id has 1 to 128 characters`},
		{`{"users": [{"name": "a", "accessKeyIds": ["AKIA1", "AKIA1"]}]}`, `users[0].accessKeyIds[1]: access key "AKIA1" is already listed for user "a"`},
		{`{"users": [{"name": "a", "accessKeyIds": ["AKIA1"]}, {"name": "b", "accessKeyIds": ["AKIA2", "AKIA1"]}]}`, `users[1].accessKeyIds[1]: access key "AKIA1" is already listed for user "a"`},
		{`{"users": [{"name": "a", "policies": {}}]}`, `users[0].policies: must be an array, not an object`},
		{`{"users": [{"name": "a", "policies": ["` + "x" + `"]}]}`, `users[0].policies[0]: must be an object, not a string`},
		{`{"users": [{"name": "a"}, {"name": "b", "policies": [` + allow + `, {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Permit","Action":"*","Resource":"*"}]}]}]}`, `users[1].policies[1].Statement[3].Effect: must be "Allow" or "Deny", not "Permit"`},
		{`{"users": [{"name": "a", "policies": [{"Statement": {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{}}}}]}]}`, `users[0].policies[0].Statement.Condition: unknown operator "StringEqualz"`},
	}
	for _, tt := range tests {
		_, err := ParseFile([]byte(tt.doc))
		if err == nil {
			t.Errorf("ParseFile(%s) succeeded, want %q", tt.doc, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseFile(%s)\n got  %q\n want %q", tt.doc, err, tt.want)
		}
	}
}
