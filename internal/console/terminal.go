package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	startTimeout   = 30 * time.Second // for the browser's first message
	hostKeyTimeout = 5 * time.Minute  // for the user to accept a host key
	wsWriteTimeout = 10 * time.Second
	maxMessage     = 64 << 10 // a message from the browser (a private key fits)
	maxTermSize    = 1000     // columns or rows
)

// startMsg is the browser's first message. Its secrets are used for one
// login and dropped.
type startMsg struct {
	Type       string `json:"type"`
	Token      string `json:"token"`
	Service    string `json:"service"`
	User       string `json:"user"`
	Password   string `json:"password"`
	PrivateKey string `json:"privateKey"`
	Passphrase string `json:"passphrase"`
	Cols       int    `json:"cols"`
	Rows       int    `json:"rows"`
}

// control is every later text message, in either direction.
type control struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	Accept      bool   `json:"accept,omitempty"`
	Cols        int    `json:"cols,omitempty"`
	Rows        int    `json:"rows,omitempty"`
	Algorithm   string `json:"algorithm,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Error       bool   `json:"error,omitempty"`
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 32 << 10,
	CheckOrigin:     sameOrigin,
}

// sameOrigin accepts only a browser on the console's own origin: the
// Origin header must be present and name the host the request was sent to.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// wsConn is the browser's WebSocket with serialized writes.
type wsConn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (c *wsConn) write(mt int, b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return c.ws.WriteMessage(mt, b)
}

func (c *wsConn) send(m control) error {
	b, _ := json.Marshal(m)
	return c.write(websocket.TextMessage, b)
}

// end sends the last message and closes the WebSocket normally.
func (c *wsConn) end(reason string, isErr bool) {
	c.send(control{Type: "end", Reason: reason, Error: isErr})
	c.mu.Lock()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	c.mu.Unlock()
	c.ws.Close()
}

func (c *Console) serveTerminal(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "the terminal needs a WebSocket upgrade", http.StatusBadRequest)
		return
	}
	if !sameOrigin(r) {
		http.Error(w, "the terminal accepts only the console's own origin", http.StatusForbidden)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c.wg.Add(1)
	defer c.wg.Done()
	conn := &wsConn{ws: ws}
	ws.SetReadLimit(maxMessage)
	start, err := readStart(ws)
	if err != nil {
		conn.end(err.Error(), true)
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	t := &term{c: c, conn: conn, hostKey: make(chan bool, 1), cols: start.Cols, rows: start.Rows}
	go t.readLoop(cancel)
	reason, isErr := t.run(ctx, start)
	c.log.Info("console terminal ended", "service", start.Service, "reason", reason)
	conn.end(reason, isErr)
}

// readStart reads and checks the browser's first message.
func readStart(ws *websocket.Conn) (*startMsg, error) {
	ws.SetReadDeadline(time.Now().Add(startTimeout))
	mt, data, err := ws.ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("no start message: %v", err)
	}
	ws.SetReadDeadline(time.Time{})
	var m startMsg
	if mt != websocket.TextMessage || json.Unmarshal(data, &m) != nil || m.Type != "start" {
		return nil, errors.New("the first message must be a JSON start message")
	}
	if m.Service == "" {
		m.Service = "SSH"
	}
	switch {
	case m.Token == "":
		return nil, errors.New("start: the source access token is missing")
	case m.User == "":
		return nil, errors.New("start: the SSH username is missing")
	case m.Password == "" && m.PrivateKey == "":
		return nil, errors.New("start: give a password or a private key")
	case m.Cols < 1 || m.Rows < 1 || m.Cols > maxTermSize || m.Rows > maxTermSize:
		return nil, fmt.Errorf("start: terminal size %dx%d out of range 1..%d", m.Cols, m.Rows, maxTermSize)
	}
	return &m, nil
}
