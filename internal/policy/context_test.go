package policy

import (
	"reflect"
	"testing"
)

func TestContext(t *testing.T) {
	c := Context{}
	c.Set("AWS:SourceIp", "192.0.2.1")
	c.Add("aws:TagKeys", "a")
	c.Add("AWS:TAGKEYS", "b")
	if got := c.Get("aws:sourceip"); !reflect.DeepEqual(got, []string{"192.0.2.1"}) {
		t.Errorf("Get(aws:sourceip) = %v", got)
	}
	if got := c["aws:tagkeys"]; !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf(`c["aws:tagkeys"] = %v, want [a b]`, got)
	}
	c.Set("aws:TagKeys", "c")
	if got := c.Get("aws:TagKeys"); !reflect.DeepEqual(got, []string{"c"}) {
		t.Errorf("Get after Set = %v, want [c]", got)
	}
	c.Delete("Aws:TagKeys")
	if got := c.Get("aws:TagKeys"); got != nil {
		t.Errorf("Get after Delete = %v, want nil", got)
	}
}
