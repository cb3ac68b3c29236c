package cli

import (
	"testing"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// Expectations come from awscli.shorthand.ShorthandParser (aws-cli 1.45).
func TestParseShorthand(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "a=b", want: `{"a":"b"}`},
		{in: "a=b,c", want: `{"a":["b","c"]}`},
		{in: "a=b,c,d=e", want: `{"a":["b","c"],"d":"e"}`},
		{in: "a=[b,c],d={e=f,g=[h]}", want: `{"a":["b","c"],"d":{"e":"f","g":["h"]}}`},
		{in: `a='x,y',b="q\"r"`, want: `{"a":"x,y","b":"q\"r"}`},
		{in: `a=b\,c`, want: `{"a":"b,c"}`},
		{in: "a= b ,c=d ", want: `{"a":"b","c":"d"}`},
		{in: "a=", want: `{"a":""}`},
		{in: "k=v1 v2", want: `{"k":"v1 v2"}`},
		{in: "a", err: "Expected: '=', received: 'EOF' for input:\n{self._error_location()}"},
		{in: "a=b,a=c", err: "Second instance of key \"a\" encountered for input:\na=b,a=c\n    ^\nThis is often because there is a preceding \",\" instead of a space."},
		{in: "a=[b", err: "Expected: ',', received: 'EOF' for input:\n{self._error_location()}"},
		{in: "a=b,,c", err: "Expected: '=', received: 'EOF' for input:\n{self._error_location()}"},
		{in: "a={b=c", err: "Expected: ',', received: 'EOF' for input:\n{self._error_location()}"},
		{in: "a=隧道,b=🚀", err: "Expected: ',', received: '🚀' for input:\n{self._error_location()}"},
	}
	for _, tt := range tests {
		got, err := parseShorthand(tt.in, nil)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseShorthand(%q) error = %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("parseShorthand(%q) error = %v", tt.in, err)
		default:
			if s := pyjson.Dumps(got, pyjson.EncodeOptions{Compact: true}); s != tt.want {
				t.Errorf("parseShorthand(%q) = %s, want %s", tt.in, s, tt.want)
			}
		}
	}
}
