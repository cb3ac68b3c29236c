package console

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/ssh"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
)

// echoJS types one character at a time into terminal 1 as user input and
// waits for the shell's echo of it to be parsed, n times; it returns the
// round trips in milliseconds. Ctrl-U clears the line every 50 characters.
const echoJS = `(async (n) => {
  const term = window.aditTerminals.find((x) => x.id === 1).term;
  const out = [];
  for (let i = 0; i < n; i++) {
    const echoed = new Promise((resolve) => { const d = term.onWriteParsed(() => { d.dispose(); resolve(); }); });
    const t0 = performance.now();
    term.input("x", true);
    await echoed;
    out.push(performance.now() - t0);
    if (i %% 50 === 49) {
      const cleared = new Promise((resolve) => { const d = term.onWriteParsed(() => { d.dispose(); resolve(); }); });
      term.input("\x15", true);
      await cleared;
    }
  }
  return out;
})(%d)`

// BenchmarkKeystrokeEcho compares the round trip of one keystroke echoed by
// the device's shell through the browser terminal (page → WebSocket →
// tunneld's SSH client → source proxy → relay → agent → sshd, and back into
// xterm.js) with the same SSH session through a source localproxy on
// loopback (Go SSH client → localproxy → relay → agent → sshd).
func BenchmarkKeystrokeEcho(b *testing.B) {
	e := startEnv(b)
	tun := e.in.OpenTunnel(b, "SSH")
	startDestination(b, e.in, tun.DestinationAccessToken, e.sshd.addr)
	key, err := os.ReadFile(e.sshd.keyFile)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("browser", func(b *testing.B) {
		br := startBrowser(b, 1280, 900)
		signInB(b, br, e.in.URL, e.in.Key.AccessKeyID, e.in.Key.SecretAccessKey)
		br.waitJS(b, "the list", `document.getElementById("tunnels")`, wait)
		br.do(b, "go to the tunnel", chromedp.Navigate(e.in.URL+"/console/#/tunnel/"+tun.TunnelID))
		br.waitJS(b, "the destination", `document.getElementById("fields")?.dataset.destination === "CONNECTED"`, wait)
		eval[bool](b, br, setValue("ssh-user", e.sshd.user))
		eval[bool](b, br, `(document.getElementById("method-key").click(), true)`)
		eval[bool](b, br, setValue("ssh-key", string(key)))
		br.do(b, "connect", chromedp.Click(chromedp.ID("connect")))
		br.waitJS(b, "the host key prompt", `document.querySelector("#term-1 .hostkey-accept")`, wait)
		br.do(b, "accept", chromedp.Click(chromedp.CSS("#term-1 .hostkey-accept")))
		br.waitJS(b, "the shell", termState(1)+` === "ready"`, wait)
		waitPrompt(b, br, 1)
		b.ResetTimer()
		ms := eval[[]float64](b, br, fmt.Sprintf(echoJS, b.N))
		b.StopTimer()
		report(b, ms)
	})

	b.Run("localproxy", func(b *testing.B) {
		rot := struct {
			SourceAccessToken string `json:"sourceAccessToken"`
		}{}
		e.in.MustCall(b, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "SOURCE"}, &rot)
		addr := startSourceProxy(b, e.in.Addr, rot.SourceAccessToken)
		signer, err := ssh.ParsePrivateKey(key)
		if err != nil {
			b.Fatal(err)
		}
		client, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: e.sshd.user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 20 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		sess, _ := client.NewSession()
		defer sess.Close()
		stdin, _ := sess.StdinPipe()
		stdout, _ := sess.StdoutPipe()
		if err := sess.RequestPty("xterm-256color", 24, 80, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
			b.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			b.Fatal(err)
		}
		reads := make(chan byte, 1<<16)
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := stdout.Read(buf)
				for _, c := range buf[:n] {
					reads <- c
				}
				if err != nil {
					close(reads)
					return
				}
			}
		}()
		time.Sleep(500 * time.Millisecond)
		drain(reads)
		ms := make([]float64, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			stdin.Write([]byte("x"))
			waitByte(b, reads, 'x')
			ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
			if i%50 == 49 {
				stdin.Write([]byte{0x15})
				time.Sleep(20 * time.Millisecond)
				drain(reads)
			}
		}
		b.StopTimer()
		report(b, ms)
	})
}

func drain(c chan byte) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

func waitByte(b *testing.B, c chan byte, want byte) {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got, ok := <-c:
			if !ok {
				b.Fatal("the shell's output ended")
			}
			if got == want {
				return
			}
		case <-timeout:
			b.Fatal("no echo within 10s")
		}
	}
}

// report adds p50 and p99 round trips in milliseconds.
func report(b *testing.B, ms []float64) {
	if len(ms) == 0 {
		return
	}
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)/2], "p50-ms")
	b.ReportMetric(ms[min(len(ms)-1, len(ms)*99/100)], "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// startSourceProxy runs a source localproxy for SSH on a loopback port
// and returns that port's address.
func startSourceProxy(b *testing.B, tunneld, token string) string {
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- localproxy.Run(ctx, localproxy.Config{Mode: tunnel.ModeSource, Endpoint: "ws://" + tunneld, AccessToken: token,
			Services: []localproxy.Service{{ID: "SSH", Addr: "127.0.0.1:0"}},
			OnListen: func(_ string, a net.Addr) { bound <- a.String() }})
	}()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case a := <-bound:
		return a
	case err := <-done:
		b.Fatalf("source proxy: %v", err)
	case <-time.After(20 * time.Second):
		b.Fatal("source proxy did not listen within 20s")
	}
	return ""
}

// BenchmarkListRender1000 loads the tunnel list with all of 1,000 tunnels
// (ten ListTunnels pages) and reports the time from the start of the load
// to the rendered table, and the table's DOM build alone.
func BenchmarkListRender1000(b *testing.B) {
	e := startEnvNoDevice(b)
	for range 1000 {
		e.MustCall(b, "OpenTunnel", map[string]any{"description": "bench"}, nil)
	}
	br := startBrowser(b, 1280, 900)
	signInB(b, br, e.URL, e.Key.AccessKeyID, e.Key.SecretAccessKey)
	br.waitJS(b, "the list", `document.getElementById("tunnels")`, wait)
	var load, render []float64
	b.ResetTimer()
	for i := range b.N {
		before := eval[int](b, br, `window.aditPerf?.loads || 0`)
		br.do(b, "load all", chromedp.Navigate(fmt.Sprintf("%s/console/#/tunnels?size=all&i=%d", e.URL, i)))
		br.waitJS(b, "1,000 rows", fmt.Sprintf(`(window.aditPerf?.loads || 0) > %d && window.aditPerf.listRows === 1000`, before), 60*time.Second)
		load = append(load, eval[float64](b, br, `window.aditPerf.firstLoadMs`))
		render = append(render, eval[float64](b, br, `window.aditPerf.firstRenderMs`))
	}
	b.StopTimer()
	slices.Sort(load)
	slices.Sort(render)
	b.ReportMetric(load[len(load)/2], "load-p50-ms")
	b.ReportMetric(load[len(load)-1], "load-max-ms")
	b.ReportMetric(render[len(render)/2], "render-p50-ms")
	b.ReportMetric(0, "ns/op")
}
