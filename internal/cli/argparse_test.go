package cli

import (
	"fmt"
	"strings"
	"testing"
)

func TestMainParserSplitsGlobals(t *testing.T) {
	tests := []struct {
		args   string
		ns     map[string]any // subset to check
		extras string
		err    string
	}{
		{args: "iotsecuretunneling describe-tunnel --tunnel-id x --output text",
			ns: map[string]any{"command": "iotsecuretunneling", "output": "text"}, extras: "describe-tunnel --tunnel-id x"},
		{args: "iotsecuretunneling list-tunnels --ou json --de",
			ns: map[string]any{"output": "json", "debug": true}, extras: "list-tunnels"},
		{args: "iotsecuretunneling list-tunnels -- --max-results 3", extras: "list-tunnels -- --max-results 3"},
		{args: "iotsecuretunneling list-tunnels --no", err: "ambiguous option: --no could match --no-verify-ssl, --no-paginate, --no-sign-request"},
		{args: "iotsecuretunneling list-tunnels --debug=x", err: "argument --debug: ignored explicit argument 'x'"},
		{args: "iotsecuretunneling list-tunnels --output", err: "argument --output: expected one argument"},
		{args: "--region", err: "argument --region: expected one argument"},
		{args: "--debug", err: "the following arguments are required: command"},
	}
	for _, tt := range tests {
		ns, extras, err := newMainParser().parseKnownArgs(strings.Fields(tt.args))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseKnownArgs(%q) error = %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseKnownArgs(%q) error = %v", tt.args, err)
			continue
		}
		if got := strings.Join(extras, " "); got != tt.extras {
			t.Errorf("parseKnownArgs(%q) extras = %q, want %q", tt.args, got, tt.extras)
		}
		for k, v := range tt.ns {
			if fmt.Sprint(ns[k]) != fmt.Sprint(v) {
				t.Errorf("parseKnownArgs(%q)[%s] = %v, want %v", tt.args, k, ns[k], v)
			}
		}
	}
}

func TestOperationParser(t *testing.T) {
	tests := []struct {
		op, args, err string
		unknown       string
	}{
		{op: "describe-tunnel", args: "", err: "the following arguments are required: --tunnel-id"},
		{op: "describe-tunnel", args: "--cli-input-json {}"},
		{op: "describe-tunnel", args: "--generate-cli-skeleton"},
		{op: "describe-tunnel", args: "--generate-cli-skeleton output", err: "the following arguments are required: --tunnel-id"},
		{op: "describe-tunnel", args: "--tunnel-id x extra", unknown: "extra"},
		{op: "open-tunnel", args: "--des x", err: "ambiguous option: --des could match --description, --destination-config"},
		{op: "open-tunnel", args: "--tags --description d"},
		{op: "tag-resource", args: "", err: "the following arguments are required: --resource-arn, --tags"},
		{op: "list-tunnels", args: "--generate-cli-skeleton bogus", err: "argument --generate-cli-skeleton: Invalid choice, valid choices are:\n\ninput                                    | output                                  "},
	}
	for _, tt := range tests {
		argv := strings.Fields(tt.args)
		table := argTable(lookupOperation(tt.op))
		ns, rest, err := operationParser(table, argv).parseKnownArgs(argv)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s %q: error = %v, want %q", tt.op, tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: error = %v", tt.op, tt.args, err)
			continue
		}
		if h, ok := ns["help"].(string); ok {
			rest = append(rest, h)
		}
		if got := strings.Join(rest, " "); got != tt.unknown {
			t.Errorf("%s %q: unknown = %q, want %q", tt.op, tt.args, got, tt.unknown)
		}
	}
}

func TestCloseMatches(t *testing.T) {
	choices := []string{"close-tunnel", "describe-tunnel", "list-tags-for-resource", "list-tunnels"}
	tests := []struct {
		word string
		want string
	}{
		{"describe-tunel", "describe-tunnel"},
		{"list-tunnel", "list-tunnels"},
		{"xyz", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(closeMatches(tt.word, choices, 3, 0.8), ","); got != tt.want {
			t.Errorf("closeMatches(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
