// Package console is tunneld's web console: a single-page application
// served at /console/ from files embedded in the binary, and the browser
// SSH terminal behind it at /console/terminal.
//
// # Pages
//
// The pages (web/) are plain ES modules with no build step. The browser is
// a client of the same AWS JSON 1.1 API as the AWS CLI: it signs every
// request with SigV4 (web/js/sigv4.js, WebCrypto) from an access key the
// user enters, which it keeps in sessionStorage only. The console therefore
// can do exactly what that key may do. GET /console/config.json tells the
// page the region the server expects in the signing scope. xterm.js and its
// fit addon are vendored under web/vendor by scripts/vendor-xterm.sh.
//
// # Terminal
//
// The terminal carries an SSH session to a device over a WebSocket on the
// same origin. The browser first rotates the tunnel's source token with a
// request signed by the user's key (so a key that may not rotate cannot
// open a terminal, and any other source is disconnected), then opens the
// WebSocket and sends, as its first message, the new source token and the
// SSH credentials (a password or a private key). They are used for this
// session only: never stored, never logged. tunneld then becomes the
// tunnel's source: it runs an internal/localproxy source on a loopback
// port, connected to its own data plane through a private loopback
// listener, dials that port with an SSH client, asks the browser to accept
// the device's host key fingerprint, logs in, requests a PTY and a shell,
// and relays the session.
//
// Messages on the WebSocket: binary messages carry terminal bytes (UTF-8
// keystrokes from the browser, terminal output to it); text messages are
// JSON objects with a "type":
//
//	browser → tunneld  start   {token, service, user, password | privateKey, passphrase, cols, rows}
//	                   hostkey {accept}                       answer to tunneld's hostkey
//	                   resize  {cols, rows}
//	tunneld → browser  status  {text}                         progress while connecting
//	                   hostkey {algorithm, fingerprint}       SHA256 fingerprint, awaiting an answer
//	                   ready   {}                             the shell runs
//	                   end     {reason, error}                last message before the close
//
// The WebSocket is accepted only from the console's own origin.
package console
