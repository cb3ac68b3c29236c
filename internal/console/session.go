package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/ssh"
)

// term is one browser terminal: the WebSocket, and the SSH session once it
// runs.
type term struct {
	c       *Console
	conn    *wsConn
	hostKey chan bool // the browser's answer to the host key

	mu         sync.Mutex
	sess       *ssh.Session   // guarded by mu; nil until the shell runs
	stdin      io.WriteCloser // guarded by mu
	cols, rows int            // guarded by mu: the latest size
}

// readLoop handles the browser's messages after the start message until the
// WebSocket ends, which cancels the terminal.
func (t *term) readLoop(cancel context.CancelFunc) {
	defer cancel()
	for {
		mt, data, err := t.conn.ws.ReadMessage()
		if err != nil {
			return
		}
		if mt == websocket.BinaryMessage {
			t.mu.Lock()
			in := t.stdin
			t.mu.Unlock()
			if in != nil {
				// The SSH channel's window is large; a stalled device makes
				// this wait, which stops reading and pushes back on the browser.
				if _, err := in.Write(data); err != nil {
					return
				}
			}
			continue
		}
		var m control
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "hostkey":
			select {
			case t.hostKey <- m.Accept:
			default:
			}
		case "resize":
			t.resize(m.Cols, m.Rows)
		}
	}
}

func (t *term) resize(cols, rows int) {
	if cols < 1 || rows < 1 || cols > maxTermSize || rows > maxTermSize {
		return
	}
	t.mu.Lock()
	t.cols, t.rows = cols, rows
	s := t.sess
	t.mu.Unlock()
	if s != nil {
		s.WindowChange(rows, cols)
	}
}

// run connects the source, logs in and relays the shell until one side
// ends. It returns the reason to show and whether it is an error.
func (t *term) run(ctx context.Context, start *startMsg) (string, bool) {
	t.conn.send(control{Type: "status", Text: "connecting to the tunnel"})
	src, err := t.c.startSource(ctx, start.Token, start.Service)
	start.Token = ""
	if err != nil {
		return err.Error(), true
	}
	defer func() { src.stop(); <-src.done }()
	t.conn.send(control{Type: "status", Text: "connecting to SSH on the device"})
	client, err := t.dialSSH(ctx, src.addr, start)
	start.Password, start.PrivateKey, start.Passphrase = "", "", ""
	if err != nil {
		return t.endReason(src, err)
	}
	defer client.Close()
	sess, stdout, err := t.openShell(client)
	if err != nil {
		return fmt.Sprintf("the device refused a shell: %v", err), true
	}
	defer sess.Close()
	t.conn.send(control{Type: "ready"})
	copied := make(chan error, 1)
	go func() { copied <- t.pump(stdout) }()
	waited := make(chan error, 1)
	go func() { <-copied; waited <- sess.Wait() }()
	select {
	case err := <-waited:
		if err == nil {
			return "the session ended", false
		}
		if ee, ok := err.(*ssh.ExitError); ok {
			return fmt.Sprintf("the session ended (exit status %d)", ee.ExitStatus()), false
		}
		reason, _ := t.endReason(src, err)
		if strings.HasPrefix(reason, "SSH: ") {
			reason = "the SSH connection was lost (the device, its sshd or the tunnel dropped it): " + err.Error()
		}
		return reason, true
	case <-src.done:
		return sourceError(src.err, src.closer).Error(), true
	case <-ctx.Done():
		if t.c.ctx.Err() != nil {
			return "tunneld is shutting down", true
		}
		return "the browser closed the terminal", false
	}
}

// endReason prefers the tunnel's own reason when the source stopped at
// about the same time as the SSH connection failed.
func (t *term) endReason(src *source, err error) (string, bool) {
	select {
	case <-src.done:
		return sourceError(src.err, src.closer).Error(), true
	case <-time.After(500 * time.Millisecond):
	}
	return sshError(err), true
}

// openShell requests a PTY of the current size and starts a login shell.
func (t *term) openShell(client *ssh.Client) (*ssh.Session, io.Reader, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, nil, err
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	if err1 != nil || err2 != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("session pipes: %v %v", err1, err2)
	}
	sess.Stderr = sess.Stdout      // a PTY merges them anyway
	sess.Setenv("LANG", "C.UTF-8") // refused unless the server's AcceptEnv allows it
	t.mu.Lock()
	cols, rows := t.cols, t.rows
	t.mu.Unlock()
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.IUTF8: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty("xterm-256color", rows, cols, modes); err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("pty: %w", err)
	}
	if err := sess.Shell(); err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("shell: %w", err)
	}
	t.mu.Lock()
	t.sess, t.stdin = sess, stdin
	t.mu.Unlock()
	return sess, stdout, nil
}

// pump sends the shell's output to the browser, one binary message per
// read.
func (t *term) pump(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := t.conn.write(websocket.BinaryMessage, buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}
