package console

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

const wait = 30 * time.Second

// setValue sets a form field's value as if typed.
func setValue(id, v string) string {
	return fmt.Sprintf(`(() => { const e = document.getElementById(%s); e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, jsString(id), jsString(v))
}

// signIn signs in on the console with an access key.
func signIn(t *testing.T, b *browser, url, akid, secret string) { signInB(t, b, url, akid, secret) }

func signInB(t testing.TB, b *browser, url, akid, secret string) {
	t.Helper()
	b.do(t, "open the console", chromedp.Navigate(url+"/console/"))
	b.waitJS(t, "the sign-in form", `document.getElementById("signin")`, wait)
	eval[bool](t, b, setValue("akid", akid))
	eval[bool](t, b, setValue("secret", secret))
	eval[bool](t, b, `document.getElementById("signin").requestSubmit(), true`)
}

// screenText is the terminal's screen and scrollback as lines.
func screenText(t testing.TB, b *browser, term int) []string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = window.aditTerminals.find((x) => x.id === %d); const buf = e.term.buffer.active;
		const out = []; for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i).translateToString(true)); return out })()`, term)
	return eval[[]string](t, b, js)
}

// waitScreen waits until a terminal line satisfies ok.
func waitScreen(t testing.TB, b *browser, term int, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		lines := screenText(t, b, term)
		for _, l := range lines {
			if ok(strings.TrimSpace(l)) {
				return strings.TrimSpace(l)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("terminal %d: no line with %s within %v; screen:\n%s", term, what, wait, strings.Join(lines, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitPrompt waits for the shell's prompt: input typed before the shell
// reads its terminal may be discarded.
func waitPrompt(t testing.TB, b *browser, term int) {
	t.Helper()
	waitScreen(t, b, term, "a shell prompt", func(l string) bool { return strings.HasSuffix(l, "$") || strings.HasSuffix(l, "#") })
}

// typeKeys types text into a terminal as the browser's input: text is
// inserted as a keyboard or IME would, and "\r" is the Enter key.
func typeKeys(t *testing.T, b *browser, term int, text string) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`(document.querySelector("#term-%d .xterm-helper-textarea").focus(), true)`, term))
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	for i, seg := range strings.Split(text, "\r") {
		if i > 0 {
			for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
				p := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
				if typ == input.DispatchKeyEventTypeKeyDown {
					p.Text = "\r"
				}
				if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, p); err != nil {
					t.Fatalf("press Enter: %v", err)
				}
			}
		}
		if seg != "" {
			if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: seg}); err != nil {
				t.Fatalf("insert text: %v", err)
			}
		}
	}
}

func termState(term int) string {
	return fmt.Sprintf(`(window.aditTerminals.find((x) => x.id === %d) || {}).state`, term)
}

// connect fills the Connect form of the tunnel page shown and starts a
// terminal, accepting the host key on first use.
func connect(t *testing.T, b *browser, user, password, key string) {
	t.Helper()
	b.waitJS(t, "the destination connected", `document.getElementById("fields")?.dataset.destination === "CONNECTED" && !document.getElementById("connect").disabled`, wait)
	eval[bool](t, b, setValue("ssh-user", user))
	if key != "" {
		eval[bool](t, b, `(document.getElementById("method-key").click(), true)`)
		eval[bool](t, b, setValue("ssh-key", key))
	} else {
		eval[bool](t, b, setValue("ssh-password", password))
	}
	b.do(t, "click Connect", chromedp.Click(chromedp.ID("connect")))
}

func TestConsoleEndToEnd(t *testing.T) {
	e := startEnv(t)
	b := startBrowser(t, 1280, 900)
	in := e.in

	b.do(t, "open the console", chromedp.Navigate(in.URL+"/console/"))
	b.waitJS(t, "the sign-in form", `document.getElementById("signin")`, wait)
	b.shot(t, "signin")

	// A wrong secret is refused, with the API's own words.
	signIn(t, b, in.URL, in.Key.AccessKeyID, in.Key.SecretAccessKey+"x")
	b.waitJS(t, "the sign-in error", `document.getElementById("signin-error").innerText.includes("InvalidSignatureException")`, wait)
	b.shot(t, "signin-error")

	signIn(t, b, in.URL, in.Key.AccessKeyID, in.Key.SecretAccessKey)
	b.waitJS(t, "the tunnel list", `document.getElementById("tunnels")`, wait)
	if got := eval[bool](t, b, `localStorage.length === 0 && sessionStorage.getItem("adit.key") !== null`); !got {
		t.Error("the key is not in sessionStorage only")
	}

	// Open a tunnel for the thing from the page.
	b.do(t, "go to Open tunnel", chromedp.Navigate(in.URL+"/console/#/open"))
	b.waitJS(t, "the open form", `document.getElementById("open")`, wait)
	eval[bool](t, b, setValue("thing", "dev1"))
	eval[bool](t, b, setValue("description", "console test"))
	eval[bool](t, b, setValue("tags", "env=lab\nowner=console"))
	eval[bool](t, b, `document.getElementById("open").requestSubmit(), true`)
	b.waitJS(t, "the tokens", `document.getElementById("source-token")?.value.length > 10`, wait)
	b.shot(t, "open")
	id := eval[string](t, b, `document.getElementById("opened-link").textContent`)
	cmd := eval[string](t, b, `document.getElementById("destination-cmd").value`)
	if !strings.Contains(cmd, "localproxy -e ws://"+in.Addr+" -t ") || !strings.HasSuffix(cmd, "-d SSH=22") {
		t.Errorf("destination command line = %q", cmd)
	}
	checkWithAWSCLI(t, e, id, "OPEN", "dev1", "console test")

	// The list shows it, with the destination connecting by itself.
	b.do(t, "go to the list", chromedp.Navigate(in.URL+"/console/#/tunnels"))
	b.waitJS(t, "the tunnel in the list", fmt.Sprintf(`document.querySelector('tr[data-id=%s] .badge.connected')`, jsString(id)), wait)
	b.shot(t, "list")

	// A wrong password is reported; the host key is asked for first.
	b.do(t, "go to the tunnel", chromedp.Navigate(in.URL+"/console/#/tunnel/"+id))
	connect(t, b, e.sshd.user, "not-the-password", "")
	b.waitJS(t, "the host key prompt", `document.querySelector("#term-1 .hostkey-accept")`, wait)
	fp := eval[string](t, b, `document.getElementById("fp-1").textContent`)
	if !strings.HasPrefix(fp, "ssh-ed25519 SHA256:") {
		t.Errorf("host key shown as %q", fp)
	}
	b.shot(t, "hostkey")
	b.do(t, "accept the host key", chromedp.Click(chromedp.CSS("#term-1 .hostkey-accept")))
	b.waitJS(t, "the login failure", termState(1)+` === "failed"`, wait)
	if r := eval[string](t, b, `window.aditTerminals[0].reason`); !strings.Contains(r, "SSH login failed") {
		t.Errorf("wrong password reported as %q", r)
	}
	b.do(t, "close the failed terminal", chromedp.Click(chromedp.CSS("#term-1 header .link")))

	// A terminal with the private key: the trusted host key is not asked again.
	key, err := os.ReadFile(e.sshd.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	connect(t, b, e.sshd.user, "", string(key))
	b.waitJS(t, "the shell", termState(2)+` === "ready"`, wait)
	waitPrompt(t, b, 2)
	marker := fmt.Sprintf("console-%d", rand.IntN(1_000_000))
	typeKeys(t, b, 2, "echo console-$((RANDOM*0+"+strings.TrimPrefix(marker, "console-")+"))\r")
	waitScreen(t, b, 2, marker, func(l string) bool { return l == marker })
	typeKeys(t, b, 2, "echo ünïcødé-✓\r")
	waitScreen(t, b, 2, "UTF-8 output", func(l string) bool { return l == "ünïcødé-✓" })
	b.shot(t, "terminal")

	// Resize: the PTY follows the terminal's size.
	b.do(t, "narrow the window", chromedp.EmulateViewport(700, 900))
	b.waitJS(t, "the terminal refit", `window.aditTerminals.find((x) => x.id === 2).term.cols < 80`, wait)
	time.Sleep(200 * time.Millisecond) // the resize message is on its way; stty reads the PTY
	cols := eval[int](t, b, `window.aditTerminals.find((x) => x.id === 2).term.cols`)
	rows := eval[int](t, b, `window.aditTerminals.find((x) => x.id === 2).term.rows`)
	typeKeys(t, b, 2, "stty size\r")
	waitScreen(t, b, 2, "the new size", func(l string) bool { return l == fmt.Sprintf("%d %d", rows, cols) })
	b.do(t, "restore the window", chromedp.EmulateViewport(1280, 900))

	// A second terminal at the same time, to another tunnel whose
	// destination is a local proxy (the agent serves one tunnel per thing
	// and services, as the AWS device client does).
	second := in.OpenTunnel(t, "SSH")
	startDestination(t, in, second.DestinationAccessToken, e.sshd.addr)
	b.do(t, "go to the second tunnel", chromedp.Navigate(in.URL+"/console/#/tunnel/"+second.TunnelID))
	connect(t, b, e.sshd.user, "", string(key))
	b.waitJS(t, "the host key prompt of a new device", `document.querySelector("#term-3 .hostkey-accept")`, wait)
	b.do(t, "accept the host key", chromedp.Click(chromedp.CSS("#term-3 .hostkey-accept")))
	b.waitJS(t, "the second shell", termState(3)+` === "ready"`, wait)
	waitPrompt(t, b, 3)
	typeKeys(t, b, 3, "echo second-$((6*7))\r")
	waitScreen(t, b, 3, "second-42", func(l string) bool { return l == "second-42" })
	typeKeys(t, b, 2, "echo first-$((6*7))\r")
	waitScreen(t, b, 2, "first-42", func(l string) bool { return l == "first-42" })

	// Closing the first tunnel ends its terminal and its status turns CLOSED.
	b.do(t, "go to the first tunnel", chromedp.Navigate(in.URL+"/console/#/tunnel/"+id))
	b.waitJS(t, "the tunnel page", `document.getElementById("fields")?.dataset.status === "OPEN"`, wait)
	eval[bool](t, b, `(window.confirm = () => true, document.getElementById("close").click(), true)`)
	b.waitJS(t, "the first terminal to end", termState(2)+` === "failed" || `+termState(2)+` === "ended"`, wait)
	if r := eval[string](t, b, `window.aditTerminals.find((x) => x.id === 2).reason`); !strings.Contains(r, "tunnel closed") {
		t.Errorf("closed tunnel reported as %q", r)
	}
	b.waitJS(t, "the status CLOSED", `document.getElementById("fields")?.dataset.status === "CLOSED"`, wait)
	if s := eval[string](t, b, termState(3)); s != "ready" {
		t.Errorf("the other terminal is %q after the first tunnel closed, want ready", s)
	}
	b.shot(t, "closed")
	checkWithAWSCLI(t, e, id, "CLOSED", "dev1", "console test")
}

// checkWithAWSCLI compares the console's view of a tunnel with the AWS
// CLI's (skipped when the CLI is not installed, failed in CI).
func checkWithAWSCLI(t *testing.T, e *env, id, status, thing, desc string) {
	t.Helper()
	if exec.Command("python3", "-c", "import awscli").Run() != nil {
		need(t, "the AWS CLI v1", "pip install awscli")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-m", "awscli", "iotsecuretunneling", "describe-tunnel",
		"--endpoint-url", e.in.URL, "--tunnel-id", id, "--output", "json")
	cmd.Env = e.in.Env(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws describe-tunnel: %v\n%s", err, out)
	}
	var d struct {
		Tunnel struct {
			Status            string `json:"status"`
			Description       string `json:"description"`
			DestinationConfig struct {
				ThingName string `json:"thingName"`
			} `json:"destinationConfig"`
			Tags []struct{ Key, Value string } `json:"tags"`
		} `json:"tunnel"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("aws describe-tunnel output %q: %v", out, err)
	}
	tu := d.Tunnel
	if tu.Status != status || tu.DestinationConfig.ThingName != thing || tu.Description != desc || len(tu.Tags) != 2 {
		t.Errorf("AWS CLI sees %+v, want status %s, thing %s, description %q, 2 tags", tu, status, thing, desc)
	}
}
