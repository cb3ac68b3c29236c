package console

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// unlabelled lists the form controls of the page that have no accessible
// name (a <label for>, a wrapping label or aria-label).
const unlabelled = `[...document.querySelectorAll("main input, main select, main textarea")]
	.filter((e) => e.type !== "hidden" && !e.labels?.length && !e.getAttribute("aria-label")).map((e) => e.outerHTML)`

// TestConsolePages drives the tunnel pages without a device: tags, rotation,
// the status filter, close and delete, at phone width.
func TestConsolePages(t *testing.T) {
	in := servertest.Start(t, server.Config{MQTTListen: "off"})
	b := startBrowser(t, 390, 844) // a phone
	signIn(t, b, in.URL, in.Key.AccessKeyID, in.Key.SecretAccessKey)
	b.waitJS(t, "the tunnel list", `document.getElementById("tunnels")`, wait)

	closed := in.OpenTunnel(t, "SSH")
	in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": closed.TunnelID}, nil)
	open := in.OpenTunnel(t, "SSH", "VNC")

	// Status filter: only the open tunnel; every control has a label.
	b.do(t, "filter OPEN", chromedp.Navigate(in.URL+"/console/#/tunnels?status=OPEN"))
	b.waitJS(t, "the filtered list", fmt.Sprintf(`document.querySelector('tr[data-id=%s]') && !document.querySelector('tr[data-id=%s]')`,
		jsString(open.TunnelID), jsString(closed.TunnelID)), wait)
	if bad := eval[[]string](t, b, unlabelled); len(bad) > 0 {
		t.Errorf("controls without a label on the list: %v", bad)
	}
	if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the list is %d px wide on a 390 px screen", w)
	}
	b.shot(t, "list-phone")

	// Tags: add one, remove it.
	b.do(t, "open the tunnel page", chromedp.Navigate(in.URL+"/console/#/tunnel/"+open.TunnelID))
	b.waitJS(t, "the tunnel page", `document.getElementById("fields")?.dataset.status === "OPEN"`, wait)
	if bad := eval[[]string](t, b, unlabelled); len(bad) > 0 {
		t.Errorf("controls without a label on the tunnel page: %v", bad)
	}
	eval[bool](t, b, setValue("tag", "team=edge"))
	eval[bool](t, b, `document.getElementById("tag-form").requestSubmit(), true`)
	b.waitJS(t, "the new tag", `document.getElementById("tag-list").innerText.includes("team=edge")`, wait)
	if tags := listTags(t, in, open.TunnelID); tags != "team=edge" {
		t.Errorf("tags after adding = %q", tags)
	}
	eval[bool](t, b, `(document.querySelector('[aria-label="Remove tag team"]').click(), true)`)
	b.waitJS(t, "the tag removed", `!document.getElementById("tag-list").innerText.includes("team=edge")`, wait)
	if tags := listTags(t, in, open.TunnelID); tags != "" {
		t.Errorf("tags after removing = %q", tags)
	}
	// A bad tag is refused with the API's words.
	eval[bool](t, b, setValue("tag", "aws:x=1"))
	eval[bool](t, b, `document.getElementById("tag-form").requestSubmit(), true`)
	b.waitJS(t, "the API's error", `document.getElementById("action-result").innerText.includes("ValidationException")`, wait)

	// Rotate ALL: both tokens shown once; the old source token is dead.
	eval[bool](t, b, `(document.getElementById("mode").value = "ALL", document.getElementById("rotate-form").requestSubmit(), true)`)
	b.waitJS(t, "the new tokens", `document.getElementById("source-token")?.value && document.getElementById("destination-token")?.value`, wait)
	newSrc := eval[string](t, b, `document.getElementById("source-token").value`)
	if newSrc == open.SourceAccessToken || !strings.Contains(eval[string](t, b, `document.getElementById("source-cmd").value`), "-s SSH=2222,VNC=5001") {
		t.Error("rotation did not show a new source token and its command line")
	}
	b.shot(t, "tunnel-phone")

	// Close and delete: back to the list, and the tunnel is gone.
	eval[bool](t, b, `(window.confirm = () => true, document.getElementById("close-delete").click(), true)`)
	b.waitJS(t, "the list after delete", `location.hash === "#/tunnels" && document.getElementById("notice").innerText.includes("closed and deleted")`, wait)
	if status, code := in.Call(t, "DescribeTunnel", map[string]any{"tunnelId": open.TunnelID}, nil); status != http.StatusBadRequest && code != "ResourceNotFoundException" {
		t.Errorf("DescribeTunnel after delete = %d %s, want ResourceNotFoundException", status, code)
	}
}

func listTags(t *testing.T, in *servertest.Instance, id string) string {
	t.Helper()
	var d struct {
		Tunnel struct {
			Tags []struct{ Key, Value string } `json:"tags"`
		} `json:"tunnel"`
	}
	in.MustCall(t, "DescribeTunnel", map[string]any{"tunnelId": id}, &d)
	var parts []string
	for _, tag := range d.Tunnel.Tags {
		parts = append(parts, tag.Key+"="+tag.Value)
	}
	return strings.Join(parts, ",")
}
