package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Protocol constants of the IoT Secure Tunneling control plane (JSON 1.1).
const (
	targetPrefix = "IoTSecuredTunneling"
	signingName  = "IoTSecuredTunneling"
	contentType  = "application/x-amz-json-1.1"
	maxAttempts  = 5 // botocore legacy retry mode
)

// client is a small JSON 1.1 client for the eight operations, signing with
// SigV4 and retrying like botocore's legacy retry handler.
type client struct {
	http     *http.Client
	endpoint string // scheme://host[:port], no trailing slash
	region   string
	creds    aws.CredentialsProvider // nil: unsigned (--no-sign-request)
	signer   *v4.Signer
	sleep    func(context.Context, time.Duration) error
	log      *debugLog
	now      func() time.Time
}

// response is a raw HTTP response.
type response struct {
	status    int
	header    http.Header
	body      []byte
	exhausted int // retries spent when the last attempt was still retryable
}

// apiError is botocore's ClientError.
type apiError struct {
	code, message, operation string
	retries                  int // > 0 when the retry budget ran out
}

func (e *apiError) Error() string {
	retry := ""
	if e.retries > 0 {
		retry = fmt.Sprintf(" (reached max retries: %d)", e.retries)
	}
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation%s: %s", e.code, e.operation, retry, e.message)
}

// transportError is a botocore connection-level error, already worded.
type transportError struct {
	msg   string
	cause error
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.cause }

// newHTTPClient builds the transport for the global TLS and timeout options.
func newHTTPClient(g *globals, caBundle string) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !g.verifySSL} //nolint:gosec // --no-verify-ssl asks for it
	if caBundle != "" && g.verifySSL {
		pem, err := os.ReadFile(caBundle)
		if err != nil {
			return nil, fmt.Errorf("Could not find a suitable TLS CA certificate bundle, invalid path: %s", caBundle)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: duration(g.connectTimeout)}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   duration(g.connectTimeout),
		ResponseHeaderTimeout: duration(g.readTimeout),
		DisableCompression:    true,
	}
	return &http.Client{Transport: tr}, nil
}

// call sends one operation with retries and returns the final response.
// When the retry budget runs out on a retryable response, that response is
// returned with exhausted set to the number of retries.
func (c *client) call(ctx context.Context, op *operation, body []byte) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, op, body, attempt)
		var te *transportError
		retry := (err != nil && errors.As(err, &te)) || (err == nil && retryable(resp))
		if !retry || attempt >= maxAttempts {
			if retry && err == nil {
				resp.exhausted = attempt - 1
			}
			return resp, err
		}
		delay := time.Duration(rand.Float64() * float64(int(1)<<(attempt-1)) * float64(time.Second))
		c.log.printf("botocore.retryhandler", "Retry needed, retrying request after delay of: %s", delay)
		if err := c.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// retryable applies botocore's legacy retry policies to a response.
func retryable(r *response) bool {
	switch r.status {
	case 429, 500, 502, 503, 504, 509:
		return true
	case 400:
		code, _ := errorCode(r)
		switch code {
		case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
			"ProvisionedThroughputExceededException":
			return true
		}
	}
	return false
}

func (c *client) attempt(ctx context.Context, op *operation, body []byte, attempt int) (*response, error) {
	url := c.endpoint + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("Invalid endpoint: %s", c.endpoint)
	}
	req.Header.Set("X-Amz-Target", targetPrefix+"."+op.name)
	req.Header.Set("Content-Type", contentType)
	if err := c.sign(ctx, req, body); err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("User-Agent", userAgent())
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("amz-sdk-request", fmt.Sprintf("attempt=%d", attempt))
	c.log.request(req, body)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, wrapTransport(err, url)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, wrapTransport(err, url)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: data}
	c.log.response(r, op)
	return r, nil
}

// sign adds SigV4 headers. Content-Length stays out of the signed headers,
// matching the AWS CLI's content-type;host;x-amz-date;x-amz-target set.
func (c *client) sign(ctx context.Context, req *http.Request, body []byte) error {
	if c.creds == nil {
		return nil
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return credentialsError(err)
	}
	sum := sha256.Sum256(body)
	req.ContentLength = 0
	return c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, c.region, c.now().UTC())
}

// wrapTransport words transport failures like botocore.
func wrapTransport(err error, url string) error {
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return &transportError{msg: fmt.Sprintf("SSL validation failed for %s [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s", url, certMessage(err)), cause: err}
	case errors.As(err, &netErr) && netErr.Timeout():
		if isDialError(err) {
			return &transportError{msg: fmt.Sprintf("Connect timeout on endpoint URL: \"%s\"", url), cause: err}
		}
		return &transportError{msg: fmt.Sprintf("Read timeout on endpoint URL: \"%s\"", url), cause: err}
	case isDialError(err):
		return &transportError{msg: fmt.Sprintf("Could not connect to the endpoint URL: \"%s\"", url), cause: err}
	}
	return &transportError{msg: fmt.Sprintf("Connection was closed before we received a valid response from endpoint URL: \"%s\".", url), cause: err}
}

func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// certMessage words a certificate failure like OpenSSL does in CPython's
// ssl module (3.11: "... (_ssl.c:1006)").
func certMessage(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	msg := err.Error()
	switch {
	case errors.As(err, &unknown):
		msg = "unable to get local issuer certificate"
		if c := unknown.Cert; c != nil && bytes.Equal(c.RawIssuer, c.RawSubject) {
			msg = "self-signed certificate"
		}
	case errors.As(err, &host):
		kind := "Hostname"
		if net.ParseIP(host.Host) != nil {
			kind = "IP address"
		}
		msg = fmt.Sprintf("%s mismatch, certificate is not valid for '%s'.", kind, host.Host)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		msg = "certificate has expired"
	}
	return msg + " (_ssl.c:1006)"
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
