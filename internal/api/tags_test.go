package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// tagsOf returns key=value pairs of ListTagsForResource, sorted.
func (e *env) tagsOf(arn string) []string {
	e.t.Helper()
	r := e.ok("ListTagsForResource", `{"resourceArn":"`+arn+`"}`)
	l, ok := r.get("tags").([]any)
	if !ok {
		e.t.Fatalf("no tags list in %s", r.raw)
	}
	var out []string
	for _, x := range l {
		m := x.(map[string]any)
		out = append(out, m["key"].(string)+"="+m["value"].(string))
	}
	slices.Sort(out)
	return out
}

func TestTagOperations(t *testing.T) {
	e := newEnv(t, nil)
	r := e.ok("OpenTunnel", `{"tags": [{"key": "a", "value": "1"}]}`)
	id, arn := r.str("tunnelId"), r.str("tunnelArn")
	steps := []struct {
		op, body string
		want     []string
	}{
		{"TagResource", `{"tags": [{"key": "b", "value": "2"}, {"key": "a", "value": "x"}]}`, []string{"a=x", "b=2"}},
		{"TagResource", `{"tags": [{"key": "c", "value": ""}, {"key": "c", "value": "last"}]}`, []string{"a=x", "b=2", "c=last"}},
		{"UntagResource", `{"tagKeys": ["a", "absent"]}`, []string{"b=2", "c=last"}},
		{"UntagResource", `{"tagKeys": []}`, []string{"b=2", "c=last"}},
		{"UntagResource", `{"tagKeys": ["b", "c"]}`, nil},
	}
	for i, s := range steps {
		e.clock.Advance(time.Second)
		body := `{"resourceArn":"` + arn + `",` + s.body[1:]
		if out := e.ok(s.op, body); string(out.raw) != "{}" {
			t.Errorf("%s output = %s, want {}", s.op, out.raw)
		}
		if got := e.tagsOf(arn); !slices.Equal(got, s.want) {
			t.Errorf("step %d %s: tags = %v, want %v", i, s.op, got, s.want)
		}
	}
	if got := e.describe(id).get("tunnel.lastUpdatedAt"); got != json.Number("1700000005.123") {
		t.Errorf("lastUpdatedAt = %v, want bumped by the last tag change", got)
	}
	if e.describe(id).has("tunnel.tags") {
		t.Errorf("describe shows tags after all were removed")
	}
	if got := e.ok("ListTagsForResource", `{"resourceArn":"`+arn+`"}`); string(got.raw) != `{"tags":[]}` {
		t.Errorf("no tags = %s, want {\"tags\":[]}", got.raw)
	}
}

func TestTagResourceQuota(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxTags = 3 })
	arn := e.ok("OpenTunnel", `{"tags": [{"key": "a", "value": ""}, {"key": "b", "value": ""}]}`).str("tunnelArn")
	tag := func(keys ...string) response {
		var l []string
		for _, k := range keys {
			l = append(l, `{"key":"`+k+`","value":"v"}`)
		}
		return e.call("TagResource", `{"resourceArn":"`+arn+`","tags":[`+strings.Join(l, ",")+`]}`)
	}
	wantError(t, tag("c", "d"), 400, codeLimitExceeded)
	wantError(t, tag("c", "d", "e", "f"), 400, codeLimitExceeded)
	if got := e.tagsOf(arn); !slices.Equal(got, []string{"a=", "b="}) {
		t.Errorf("tags after refused calls = %v", got)
	}
	if r := tag("a", "c"); r.status != 200 { // overwrite + one new = 3
		t.Errorf("tagging up to the quota = %d %s", r.status, r.code())
	}
}

func TestTagOperationsMatchARNExactly(t *testing.T) {
	e := newEnv(t, nil)
	r := e.ok("OpenTunnel", `{}`)
	id := r.str("tunnelId")
	closed := e.ok("OpenTunnel", `{}`)
	e.ok("CloseTunnel", `{"tunnelId":"`+closed.str("tunnelId")+`"}`)
	e.ok("TagResource", `{"resourceArn":"`+closed.str("tunnelArn")+`","tags":[{"key":"k","value":"v"}]}`)
	for _, arn := range []string{
		"arn:aws:iot:eu-west-1:123456789012:tunnel/" + id,
		"arn:aws:iot:us-east-1:999999999999:tunnel/" + id,
		"arn:aws-cn:iot:us-east-1:123456789012:tunnel/" + id,
		"arn:aws:iot:us-east-1:123456789012:thing/" + id,
		"arn:aws:iot:us-east-1:123456789012:tunnel/" + id + "x",
		"arn:aws:iot:us-east-1:123456789012:tunnel/bad id",
		id,
		"arn:aws:iot:us-east-1:123456789012:tunnel/",
	} {
		for op, body := range map[string]string{
			"TagResource":         `{"resourceArn":"` + arn + `","tags":[{"key":"k","value":"v"}]}`,
			"UntagResource":       `{"resourceArn":"` + arn + `","tagKeys":["k"]}`,
			"ListTagsForResource": `{"resourceArn":"` + arn + `"}`,
		} {
			wantError(t, e.call(op, body), 400, codeResourceNotFound)
		}
	}
}
