package cli

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// debugLog writes --debug lines in the AWS CLI's logging format
// ("2006-01-02 15:04:05,000 - MainThread - <logger> - DEBUG - <msg>").
//
// Unlike the AWS CLI, which logs response bodies verbatim, it never prints
// a secret: client access tokens in bodies, the request signature and
// session tokens are replaced by "<redacted>".
type debugLog struct {
	w   io.Writer // nil when --debug is off
	now func() time.Time
}

func (l *debugLog) printf(logger, format string, args ...any) {
	if l == nil || l.w == nil {
		return
	}
	ts := l.now().Format("2006-01-02 15:04:05.000")
	ts = strings.Replace(ts, ".", ",", 1)
	fmt.Fprintf(l.w, "%s - MainThread - %s - DEBUG - %s\n", ts, logger, fmt.Sprintf(format, args...))
}

const redacted = "<redacted>"

var (
	tokenField = regexp.MustCompile(`("(?:sourceAccessToken|destinationAccessToken)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	signature  = regexp.MustCompile(`Signature=[0-9a-fA-F]+`)
)

// redactBody hides client access tokens in a JSON body.
func redactBody(body []byte) string {
	return tokenField.ReplaceAllString(string(body), `${1}"`+redacted+`"`)
}

func redactHeaders(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		switch strings.ToLower(k) {
		case "authorization":
			v = signature.ReplaceAllString(v, "Signature="+redacted)
		case "x-amz-security-token":
			v = redacted
		}
		parts = append(parts, fmt.Sprintf("'%s': '%s'", k, v))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (l *debugLog) request(req *http.Request, body []byte) {
	if l == nil || l.w == nil {
		return
	}
	l.printf("botocore.endpoint", "Sending http request: <AWSPreparedRequest method=%s, url=%s, headers=%s>",
		req.Method, req.URL, redactHeaders(req.Header))
	l.printf("botocore.endpoint", "Request body:\n%s", string(body))
}

func (l *debugLog) response(r *response, op *operation) {
	if l == nil || l.w == nil {
		return
	}
	l.printf("botocore.parsers", "Response headers: %s", redactHeaders(r.header))
	l.printf("botocore.parsers", "Response body:\n%s", redactBody(r.body))
}
