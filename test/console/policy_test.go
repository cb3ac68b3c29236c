package console

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// TestConsolePolicyDenied: a key whose policy only allows reading sees
// the tunnels, but opening a tunnel and opening a terminal (which needs
// RotateTunnelAccessToken) are refused with the API's AccessDenied.
func TestConsolePolicyDenied(t *testing.T) {
	dir := t.TempDir()
	admin := sigv4.Key{AccessKeyID: "AKIACONSOLEADMIN001", SecretAccessKey: "console-admin-secret-000000000000", Name: "admin"}
	viewer := sigv4.Key{AccessKeyID: "AKIACONSOLEVIEW0001", SecretAccessKey: "console-viewer-secret-00000000000", Name: "viewer"}
	creds := filepath.Join(dir, "credentials")
	policies := filepath.Join(dir, "policies.json")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(creds, fmt.Sprintf("[admin]\naws_access_key_id = %s\naws_secret_access_key = %s\n[viewer]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		admin.AccessKeyID, admin.SecretAccessKey, viewer.AccessKeyID, viewer.SecretAccessKey))
	write(policies, fmt.Sprintf(`{"users": [
	  {"name": "admin", "accessKeyIds": [%q], "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}]},
	  {"name": "viewer", "accessKeyIds": [%q], "policies": [{"Version": "2012-10-17", "Statement": [
	    {"Effect": "Allow", "Action": ["iot:DescribeTunnel", "iot:ListTunnels", "iot:ListTagsForResource"], "Resource": "*"}]}]}]}`,
		admin.AccessKeyID, viewer.AccessKeyID))
	in := servertest.Start(t, server.Config{MQTTListen: "off", CredentialsFile: creds, PolicyFile: policies})
	in.Key = admin
	tun := in.OpenTunnel(t, "SSH")
	startDestination(t, in, tun.DestinationAccessToken, "127.0.0.1:9")

	b := startBrowser(t, 1280, 900)
	signIn(t, b, in.URL, viewer.AccessKeyID, viewer.SecretAccessKey)
	b.waitJS(t, "the tunnel in the list", fmt.Sprintf(`document.querySelector('tr[data-id=%s]') !== null`, jsString(tun.TunnelID)), wait)

	b.do(t, "go to Open tunnel", chromedp.Navigate(in.URL+"/console/#/open"))
	b.waitJS(t, "the open form", `document.getElementById("open")`, wait)
	eval[bool](t, b, setValue("thing", "dev1"))
	eval[bool](t, b, `document.getElementById("open").requestSubmit(), true`)
	b.waitJS(t, "the refusal to open", `document.getElementById("open-result").innerText.includes("AccessDeniedException") &&
		document.getElementById("open-result").innerText.includes("user/viewer is not authorized to perform: iot:OpenTunnel")`, wait)

	b.do(t, "open the tunnel page", chromedp.Navigate(in.URL+"/console/#/tunnel/"+tun.TunnelID))
	connect(t, b, "root", "irrelevant", "")
	b.waitJS(t, "the terminal refused", `(window.aditTerminals[0] || {}).state === "failed" &&
		String(window.aditTerminals[0].reason).includes("AccessDeniedException") &&
		String(window.aditTerminals[0].reason).includes("iot:RotateTunnelAccessToken")`, wait)
	b.shot(t, "terminal-denied")
	var out struct {
		Tunnel struct{ SourceConnectionState struct{ Status string } }
	}
	in.MustCall(t, "DescribeTunnel", map[string]any{"tunnelId": tun.TunnelID}, &out)
	if s := out.Tunnel.SourceConnectionState.Status; s != "DISCONNECTED" {
		t.Errorf("source state after a refused terminal = %s, want DISCONNECTED", s)
	}
}
