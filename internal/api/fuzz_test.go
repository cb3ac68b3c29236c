package api

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
)

// fuzzSeeds are bodies the AWS CLI v1 sends, plus edge cases.
var fuzzSeeds = []string{
	// aws-cli 1.45.11, captured by TestAWSCLI -v.
	`{"description": "cli test", "tags": [{"key": "env", "value": "dev"}], "destinationConfig": {"thingName": "robot", "services": ["SSH"]}, "timeoutConfig": {"maxLifetimeTimeoutMinutes": 30}}`,
	`{"tunnelId": "adf91f50-9f58-4b33-914c-ae6571c69a59"}`,
	`{"thingName": "robot", "maxResults": 1}`,
	`{"tunnelId": "adf91f50-9f58-4b33-914c-ae6571c69a59", "clientMode": "DESTINATION", "destinationConfig": {"thingName": "robot", "services": ["SSH"]}}`,
	`{"resourceArn": "arn:aws:iot:us-east-1:123456789012:tunnel/adf91f50-9f58-4b33-914c-ae6571c69a59", "tags": [{"key": "team", "value": "ops"}]}`,
	`{"resourceArn": "arn:aws:iot:us-east-1:123456789012:tunnel/adf91f50-9f58-4b33-914c-ae6571c69a59", "tagKeys": ["env"]}`,
	`{"resourceArn": "arn:aws:iot:us-east-1:123456789012:tunnel/adf91f50-9f58-4b33-914c-ae6571c69a59"}`,
	`{"tunnelId": "adf91f50-9f58-4b33-914c-ae6571c69a59", "delete": true}`,
	`{"tunnelId": "bad id!"}`,
	`{"tunnelId": "x", "clientMode": "BOGUS"}`,
	`{"timeoutConfig": {"maxLifetimeTimeoutMinutes": 721}}`,
	`{}`,
	// Edge cases.
	``,
	`{"tags": [null, {"key": null}], "destinationConfig": {"services": [null]}}`,
	`{"tunnelId": 5}`,
	"{\"description\": \"\xff\"}",
	`{"description": "\ud800"}`,
	`[[[[[[[[[[`,
}

// FuzzDecodeRequest feeds any body to every operation's decoder: it must
// return a validated input or a 400 error, never panic. Valid OpenTunnel
// inputs must also build a tunnel without panicking.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	next := encodeCursor(store.Cursor{CreatedAt: t0, ID: "b2de92a3-b8ff-46c0-b0f2-afa28b00cecd"})
	f.Add([]byte(`{"maxResults": 2, "nextToken": "` + next + `"}`))
	h := &Handler{cfg: Config{MaxServices: 3, MaxTags: 200, Partition: "aws", Region: "r", AccountID: "1",
		Now: func() time.Time { return t0 }}}
	names := make([]string, 0, len(operations))
	for name := range operations {
		names = append(names, name)
	}
	slices.Sort(names)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range names {
			in, err := operations[name].decode(body)
			var ae *apiError
			switch {
			case err == nil && in == nil:
				t.Fatalf("%s: no input and no error", name)
			case err != nil && (!errors.As(err, &ae) || ae.Status != 400):
				t.Fatalf("%s: error %v is not a 400 apiError", name, err)
			}
			if o, ok := in.(*openTunnelInput); ok {
				h.newTunnel(o)
			}
		}
	})
}
