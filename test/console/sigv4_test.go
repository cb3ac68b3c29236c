package console

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

// TestBrowserSigV4MatchesGo: the console's SigV4 (WebCrypto, in Chromium)
// gives the same Authorization header as the Go signer the CLI tests use,
// for a fixed key, time and several bodies.
func TestBrowserSigV4MatchesGo(t *testing.T) {
	in := servertest.Start(t, server.Config{MQTTListen: "off"})
	b := startBrowser(t, 800, 600)
	b.do(t, "open the console", chromedp.Navigate(in.URL+"/console/"))
	b.waitJS(t, "the page", `document.getElementById("main")`, wait)
	key := sigv4.Key{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, body := range []string{`{}`, `{"maxResults":1}`, `{"description":"ünïcødé ✓  spaces"}`} {
		r, _ := http.NewRequest(http.MethodPost, "http://tunneld.example:8080/", bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "IoTSecuredTunneling.ListTunnels")
		sigv4.Sign(r, []byte(body), key, "eu-central-1", "IoTSecuredTunneling", at)
		js := fmt.Sprintf(`import("/console/js/sigv4.js").then((m) => m.sign({
			key: {accessKeyId: %s, secretAccessKey: %s}, region: "eu-central-1", service: "IoTSecuredTunneling",
			host: "tunneld.example:8080", body: %s, now: new Date(%d),
			headers: {"content-type": "application/x-amz-json-1.1", "x-amz-target": "IoTSecuredTunneling.ListTunnels"}}))
			.then((h) => h.authorization)`, jsString(key.AccessKeyID), jsString(key.SecretAccessKey), jsString(body), at.UnixMilli())
		got := eval[string](t, b, js)
		if want := r.Header.Get("Authorization"); got != want {
			t.Errorf("body %s:\nbrowser %s\ngo      %s", body, got, want)
		}
	}
}
