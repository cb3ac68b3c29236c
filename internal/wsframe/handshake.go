package wsframe

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
)

// keyGUID is the suffix RFC 6455 §1.3 appends to Sec-WebSocket-Key.
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ErrBadHandshake is an upgrade the server did not accept: a status other
// than 101, or a 101 without the right Upgrade, Connection or
// Sec-WebSocket-Accept headers.
var ErrBadHandshake = errors.New("websocket: bad handshake")

// NewKey returns a random Sec-WebSocket-Key: 16 bytes, base64.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// AcceptKey returns the Sec-WebSocket-Accept answer to key.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + keyGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// maxErrorBody is how much of a refusal's body Upgrade keeps.
const maxErrorBody = 1024

// Upgrade runs the client's opening handshake on an established
// connection: it adds the upgrade headers (Upgrade, Connection, a fresh
// Sec-WebSocket-Key, Sec-WebSocket-Version 13 and, if any,
// Sec-WebSocket-Protocol) to req, a GET whose other headers the caller
// set, writes it to w with http.Request.Write and reads the answer from
// br. Bytes the server sent after its answer stay in br. An answer that
// is not a valid 101 gives ErrBadHandshake with the response, whose body
// then holds its first KiB.
func Upgrade(w io.Writer, br *bufio.Reader, req *http.Request, subprotocols ...string) (*http.Response, error) {
	key := NewKey()
	req.Header["Upgrade"] = []string{"websocket"}
	req.Header["Connection"] = []string{"Upgrade"}
	req.Header["Sec-WebSocket-Key"] = []string{key}
	req.Header["Sec-WebSocket-Version"] = []string{"13"}
	if len(subprotocols) > 0 {
		req.Header["Sec-WebSocket-Protocol"] = []string{strings.Join(subprotocols, ", ")}
	}
	if err := req.Write(w); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		!hasToken(resp.Header, "Upgrade", "websocket") ||
		!hasToken(resp.Header, "Connection", "upgrade") ||
		resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(key) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, ErrBadHandshake
	}
	resp.Body = http.NoBody
	return resp, nil
}

// hasToken reports whether a comma-separated header of h lists token
// (case-insensitive).
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
