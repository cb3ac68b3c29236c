package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/sigv4"
)

// The signing scope of every request.
const (
	region  = "us-east-1"
	service = "IoTSecuredTunneling"
)

// client is one keep-alive HTTP/1.1 connection to one endpoint. It writes
// requests and parses responses itself: net/http's client costs several
// times the CPU per request, and on a host the server shares that CPU is
// taken from the server. Every API request is signed with SigV4 as the
// AWS SDKs sign it: the signing key is derived once per day, and each
// request gets its own canonical request, string to sign and signature.
// A client is not safe for concurrent use.
type client struct {
	addr, host string
	key        sigv4.Key
	signDate   string // the day signKey was derived for
	signKey    []byte
	conn       net.Conn
	r          *bufio.Reader
	w          *bufio.Writer
	buf        []byte
}

// newClient returns a client of endpoint (http://host:port); it connects
// on its first call.
func newClient(endpoint string, key sigv4.Key) (*client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want http://host:port", endpoint)
	}
	return &client{addr: u.Host, host: u.Host, key: key}, nil
}

// call sends one request (op healthz: GET /healthz, unsigned; otherwise a
// signed API call with body) and returns the response body and status. On
// any error the connection is closed; the next call reconnects.
func (c *client) call(op string, body []byte) ([]byte, int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return nil, 0, err
		}
		c.conn, c.r, c.w = conn, bufio.NewReaderSize(conn, 8192), bufio.NewWriterSize(conn, 4096)
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	c.buf = c.request(c.buf[:0], op, body, time.Now())
	c.w.Write(c.buf)
	raw, status, keep, err := c.flushAndRead()
	if err != nil || !keep {
		c.conn.Close()
		c.conn = nil
	}
	return raw, status, err
}

// request appends the request's bytes to b.
func (c *client) request(b []byte, op string, body []byte, now time.Time) []byte {
	if op == "healthz" {
		return fmt.Appendf(b, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", c.host)
	}
	amzDate := now.UTC().Format("20060102T150405Z")
	target := "IoTSecuredTunneling." + op
	b = fmt.Appendf(b, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"+
		"X-Amz-Target: %s\r\nX-Amz-Date: %s\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n",
		c.host, target, amzDate, c.authorization(amzDate, target, body), len(body))
	return append(b, body...)
}

// signedHeaders are the headers request signs, sorted.
const signedHeaders = "content-type;host;x-amz-date;x-amz-target"

// authorization returns the Authorization header of a POST / with the
// request's headers and body.
func (c *client) authorization(amzDate, target string, body []byte) string {
	day := amzDate[:8]
	if day != c.signDate {
		c.signDate, c.signKey = day, sigv4.SigningKey(c.key.SecretAccessKey, day, region, service)
	}
	payload := sha256.Sum256(body)
	canonical := "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:" + c.host +
		"\nx-amz-date:" + amzDate + "\nx-amz-target:" + target + "\n\n" + signedHeaders + "\n" +
		hex.EncodeToString(payload[:])
	ch := sha256.Sum256([]byte(canonical))
	scope := day + "/" + region + "/" + service + "/aws4_request"
	sts := sigv4.Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(ch[:])
	return sigv4.Algorithm + " Credential=" + c.key.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signedHeaders + ", Signature=" + sigv4.SignString(c.signKey, sts)
}

// flushAndRead sends the buffered request and reads one response with a
// Content-Length body. keep is false when the server closes the
// connection after it.
func (c *client) flushAndRead() (body []byte, status int, keep bool, err error) {
	if err := c.w.Flush(); err != nil {
		return nil, 0, false, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, 0, false, err
	}
	proto, rest, _ := strings.Cut(string(line), " ")
	code, _, _ := strings.Cut(rest, " ")
	if status, err = strconv.Atoi(strings.TrimSpace(code)); err != nil || !strings.HasPrefix(proto, "HTTP/1.") {
		return nil, 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep := -1, true
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, status, false, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 || length > 1<<20 {
				return nil, status, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keep = false
		}
	}
	if length < 0 && (status == 204 || status == 304) {
		length = 0
	}
	if length < 0 {
		return nil, status, false, errors.New("response without Content-Length")
	}
	body = make([]byte, length)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return nil, status, false, err
	}
	return body, status, keep, nil
}

// close closes the connection, if any.
func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
