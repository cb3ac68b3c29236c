package cli

import (
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/cli/jmespath"
	"github.com/adit-project/adit/internal/cli/pyjson"
)

// Expected outputs were printed by aws-cli 1.45.11 for the same data.
func TestFormatters(t *testing.T) {
	data := `{"a": "t-1", "c": [{"key": "env", "value": "prod"}, {"key": "team", "value": ""}], "b": "OPEN"}`
	v, err := pyjson.Decode(data, false)
	if err != nil {
		t.Fatal(err)
	}
	wantTable := "---------------------\n" +
		"|  DescribeTunnel   |\n" +
		"+--------+----------+\n" +
		"|    a   |    b     |\n" +
		"+--------+----------+\n" +
		"|  t-1   |  OPEN    |\n" +
		"+--------+----------+\n" +
		"||        c        ||\n" +
		"|+-------+---------+|\n" +
		"||  key  |  value  ||\n" +
		"|+-------+---------+|\n" +
		"||  env  |  prod   ||\n" +
		"||  team |         ||\n" +
		"|+-------+---------+|\n"
	if got, err := formatTable("DescribeTunnel", v, 80, false); err != nil || got != wantTable {
		t.Errorf("formatTable = %q, %v\nwant %q", got, err, wantTable)
	}
	wantText := "t-1\tOPEN\nC\tenv\tprod\nC\tteam\t\n"
	if got, err := formatText(v); err != nil || got != wantText {
		t.Errorf("formatText = %q, %v, want %q", got, err, wantText)
	}
	wantJSON := "{\n    \"a\": \"t-1\",\n    \"c\": [\n        {\n            \"key\": \"env\",\n            \"value\": \"prod\"\n        },\n" +
		"        {\n            \"key\": \"team\",\n            \"value\": \"\"\n        }\n    ],\n    \"b\": \"OPEN\"\n}\n"
	if got, err := formatJSON(v); err != nil || got != wantJSON {
		t.Errorf("formatJSON = %q, want %q", got, wantJSON)
	}
}

func TestFormatEdgeCases(t *testing.T) {
	tests := []struct {
		name, data, table, text, json, err string
	}{
		{name: "empty object", data: `{}`, table: "", text: "", json: ""},
		{name: "null", data: `null`, table: "", text: "None\n", json: "null\n"},
		{name: "scalar", data: `"x"`, table: "---\n|T|\n+-+\n", text: "x\n", json: "\"x\"\n"},
		{name: "empty list member", data: `{"l": []}`, table: "---\n|T|\n+-+\n", text: "", json: "{\n    \"l\": []\n}\n"},
		{name: "mixed list", data: `[[{"k": 1}], "s"]`, table: "-------\n|  T  |\n+-----+\n|  k  |\n+-----+\n|  1  |\n|  s  |\n+-----+\n",
			text: "s\n1\n", json: "[\n    [\n        {\n            \"k\": 1\n        }\n    ],\n    \"s\"\n]\n"},
		{name: "ragged list", data: `[[{"k": 1}, {"j": 2}], "s"]`, err: "Row should have 2 elements, instead it has 1"},
	}
	for _, tt := range tests {
		v, err := pyjson.Decode(tt.data, false)
		if err != nil {
			t.Fatal(err)
		}
		if tt.err != "" {
			if _, err := formatTable("T", v, 80, false); err == nil || err.Error() != tt.err {
				t.Errorf("%s: formatTable error = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if got, _ := formatTable("T", v, 80, false); got != tt.table {
			t.Errorf("%s: formatTable = %q, want %q", tt.name, got, tt.table)
		}
		if got, _ := formatText(v); got != tt.text {
			t.Errorf("%s: formatText = %q, want %q", tt.name, got, tt.text)
		}
		if got, _ := formatJSON(v); got != tt.json {
			t.Errorf("%s: formatJSON = %q, want %q", tt.name, got, tt.json)
		}
	}
}

func TestValidateParams(t *testing.T) {
	op := lookupOperation("open-tunnel")
	tests := []struct{ params, want string }{
		{`{}`, ""},
		{`{"tags": []}`, "Parameter validation failed:\nInvalid length for parameter tags, value: 0, valid min length: 1"},
		{`{"tags": [{"key": "a"}], "bogus": 1}`, "Parameter validation failed:\nUnknown parameter in input: \"bogus\", must be one of: description, tags, destinationConfig, timeoutConfig\nMissing required parameter in tags[0]: \"value\""},
		{`{"timeoutConfig": {"maxLifetimeTimeoutMinutes": "5"}}`, "Parameter validation failed:\nInvalid type for parameter timeoutConfig.maxLifetimeTimeoutMinutes, value: 5, type: <class 'str'>, valid types: <class 'int'>"},
		{`{"destinationConfig": {"thingName": "x"}}`, "Parameter validation failed:\nMissing required parameter in destinationConfig: \"services\""},
	}
	for _, tt := range tests {
		v, err := pyjson.Decode(tt.params, false)
		if err != nil {
			t.Fatal(err)
		}
		err = validateParams(v, op.input)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("validateParams(%s) = %q, want %q", tt.params, got, tt.want)
		}
	}
}

// TestFormatDivergences holds the cases the differential test against the
// AWS CLI's formatters found; expected outputs were printed by aws-cli
// 1.45.11.
func TestFormatDivergences(t *testing.T) {
	// An empty key is an identifier (Python tests "is not None").
	v, err := pyjson.Decode(`{"": {"n": 1, "s": null}, "k": {"": [4, [5]]}}`, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := formatText(v); err != nil || got != "\t1\tNone\n\t4\n\t5\n" {
		t.Errorf("formatText = %q, %v", got, err)
	}
	// In a table, a list whose first element is an object may hold empty
	// lists and strings as long as no headers are needed for them.
	for data, want := range map[string]string{
		`{"t": [{"n": {"a": "env"}}, [], ""]}`: "------------------\n|        T       |\n+----------------+\n||       t      ||\n" +
			"|||      n     |||\n||+----+-------+||\n|||  a |  env  |||\n||+----+-------+||\n||       t      ||\n||       t      ||\n",
		`{"t": [{"n": {"a": "env"}}, [1]]}`: "",
		`{"t": [{"n": 1}, []]}`:             "",
	} {
		v, err := pyjson.Decode(data, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := formatTable("T", v, 80, false)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("table of %s = %q, %v; want %q", data, got, err, want)
		}
	}
	// An expression reference cannot be encoded as JSON; json.dump has
	// written the text before it.
	q, err := jmespath.Compile("{a: [`1`, {b: &c}]}")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = display(&b, "json", "T", pyjson.NewObject(), &globals{query: q}, 80)
	want := "{\n    \"a\": [\n        1,\n        {\n            \"b\": "
	if err == nil || err.Error() != "Encountered unrecognized type in JSON encoder." || b.String() != want {
		t.Errorf("json of an expref: %q, %v; want %q and an error", b.String(), err, want)
	}
}
