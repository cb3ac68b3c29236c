package console

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshHandshakeTimeout bounds the SSH handshake and login, not counting the
// time the user takes to accept the host key.
const sshHandshakeTimeout = 30 * time.Second

// errHostKeyRejected is the user declining the device's host key.
var errHostKeyRejected = errors.New("host key not accepted")

// dialSSH connects to the source's loopback port and logs in as the user.
func (t *term) dialSSH(ctx context.Context, addr string, start *startMsg) (*ssh.Client, error) {
	auth, err := authMethods(start)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the tunnel's port: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	nc.SetDeadline(time.Now().Add(sshHandshakeTimeout))
	cfg := &ssh.ClientConfig{
		User:            start.User,
		Auth:            auth,
		HostKeyCallback: t.askHostKey(ctx, nc),
		ClientVersion:   "SSH-2.0-adit-console",
	}
	conn, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(conn, chans, reqs), nil
}

// authMethods turns the start message's credentials into SSH methods: a
// private key (with its passphrase, if any), or a password offered both as
// "password" and as keyboard-interactive answers.
func authMethods(start *startMsg) ([]ssh.AuthMethod, error) {
	var ms []ssh.AuthMethod
	if start.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if start.Passphrase != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(start.PrivateKey), []byte(start.Passphrase))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(start.PrivateKey))
		}
		var missing *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &missing):
			return nil, errors.New("the private key is encrypted: give its passphrase")
		case err != nil:
			return nil, fmt.Errorf("cannot read the private key: %v", err)
		}
		ms = append(ms, ssh.PublicKeys(signer))
	}
	if pw := start.Password; pw != "" {
		ms = append(ms, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	return ms, nil
}

// askHostKey shows the device's host key fingerprint to the browser and
// waits for the user's answer (the browser answers at once for a key it
// has trusted before). The handshake deadline is paused meanwhile.
func (t *term) askHostKey(ctx context.Context, nc net.Conn) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		nc.SetDeadline(time.Time{})
		defer nc.SetDeadline(time.Now().Add(sshHandshakeTimeout))
		if err := t.conn.send(control{Type: "hostkey", Algorithm: key.Type(), Fingerprint: ssh.FingerprintSHA256(key)}); err != nil {
			return err
		}
		timer := time.NewTimer(hostKeyTimeout)
		defer timer.Stop()
		select {
		case ok := <-t.hostKey:
			if !ok {
				return errHostKeyRejected
			}
			t.conn.send(control{Type: "status", Text: "logging in"})
			return nil
		case <-timer.C:
			return errors.New("no answer about the host key")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sshError words an SSH connection or login failure for the user.
func sshError(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, errHostKeyRejected):
		return "SSH: the device's host key was not accepted; nothing was sent to it"
	case strings.Contains(msg, "unable to authenticate"):
		return "SSH login failed: the device refused the username or the credentials (" + strings.TrimPrefix(msg, "ssh: handshake failed: ") + ")"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "SSH: " + msg
}
