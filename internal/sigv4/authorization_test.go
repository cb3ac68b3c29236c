package sigv4

import (
	"slices"
	"strings"
	"testing"
)

const cliAuthorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/IoTSecuredTunneling/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date;x-amz-target, " +
	"Signature=d6fe3646d8a1e7da958947a0b8064717780b20255335fb1045548fe320ed703d"

func TestParseAuthorization(t *testing.T) {
	want := authorization{
		AccessKeyID:   "AKIDEXAMPLE",
		Date:          "20261127",
		Region:        "us-east-1",
		Service:       "IoTSecuredTunneling",
		SignedHeaders: []string{"content-type", "host", "x-amz-date", "x-amz-target"},
		Signature:     "d6fe3646d8a1e7da958947a0b8064717780b20255335fb1045548fe320ed703d",
	}
	for _, c := range []struct {
		name, header string
		ok           bool
	}{
		{"cli", cliAuthorization, true},
		{"no spaces after commas", strings.ReplaceAll(cliAuthorization, ", ", ","), true},
		{"padded", "  " + strings.ReplaceAll(cliAuthorization, ", ", " ,  ") + " ", true},
		{"reordered", "AWS4-HMAC-SHA256 Signature=" + want.Signature + ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Credential=AKIDEXAMPLE/20261127/us-east-1/IoTSecuredTunneling/aws4_request", true},
		{"empty", "", false},
		{"algorithm only", "AWS4-HMAC-SHA256", false},
		{"lowercase algorithm", strings.Replace(cliAuthorization, "AWS4-HMAC-SHA256", "aws4-hmac-sha256", 1), false},
		{"repeated parameter", cliAuthorization + ", Signature=00", false},
		{"no equal sign", cliAuthorization + ", junk", false},
		{"empty credential", strings.Replace(cliAuthorization, "Credential=AKIDEXAMPLE/20261127/us-east-1/IoTSecuredTunneling/aws4_request", "Credential=", 1), false},
		{"empty key id", strings.Replace(cliAuthorization, "=AKIDEXAMPLE/", "=/", 1), false},
		{"six scope parts", strings.Replace(cliAuthorization, "/aws4_request", "/x/aws4_request", 1), false},
		{"long date", strings.Replace(cliAuthorization, "/20261127/", "/020261127/", 1), false},
		{"invalid date", strings.Replace(cliAuthorization, "/20261127/", "/20261327/", 1), false},
		{"duplicate signed header", strings.Replace(cliAuthorization, "host;", "host;host;", 1), false},
		{"empty signed header", strings.Replace(cliAuthorization, "host;", "host;;", 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseAuthorization(c.header)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				if err.Code != CodeIncompleteSignature || strings.Contains(err.Message, want.Signature) {
					t.Errorf("bad error %v", err)
				}
				return
			}
			if !slices.Equal(got.SignedHeaders, want.SignedHeaders) {
				t.Errorf("signed headers %v", got.SignedHeaders)
			}
			got.SignedHeaders = want.SignedHeaders
			if got.AccessKeyID != want.AccessKeyID || got.Date != want.Date || got.Region != want.Region ||
				got.Service != want.Service || got.Signature != want.Signature {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// FuzzParseAuthorization checks that no header makes the parser panic, and
// that anything it accepts is complete and canonical.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(cliAuthorization)
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/IoTSecuredTunneling/aws4_request, SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=fd9b0ac561a87e5d0def02177a6cc345bb634b3c2ee7980ce4dac2c3485bb933")
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=,,=")
	f.Add("AWS4-HMAC-SHA256 ")
	f.Add("Bearer x")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if err.Code != CodeIncompleteSignature || err.Status != 400 {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if a.AccessKeyID == "" || len(a.Date) != 8 || a.Region == "" || a.Service == "" || a.Signature == "" {
			t.Fatalf("incomplete result %+v", a)
		}
		if len(a.SignedHeaders) == 0 || !slices.IsSorted(a.SignedHeaders) {
			t.Fatalf("bad signed headers %q", a.SignedHeaders)
		}
	})
}
