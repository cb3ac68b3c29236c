package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestGoSDKv2Signs checks that a request signed by the AWS SDK for Go v2
// (the signer tunnelctl uses) covers every header the verifier requires
// and passes verification.
func TestGoSDKv2Signs(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8443/", bytes.NewReader(testBody))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "IoTSecuredTunneling.DescribeTunnel")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/test")
	creds := aws.Credentials{AccessKeyID: testKey.AccessKeyID, SecretAccessKey: testKey.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(testBody), DefaultService, "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	a, perr := parseAuthorization(r.Header.Get("Authorization"))
	if perr != nil {
		t.Fatal(perr)
	}
	t.Logf("SDK v2 signed headers: %v", a.SignedHeaders)
	v, err := New(Config{Keys: StaticKeys{testKey.AccessKeyID: testKey}, Now: func() time.Time { return signTime }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, testBody); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
