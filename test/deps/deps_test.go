package deps

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/adit-project/adit/"

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

func TestDeviceBinariesLinkNoServerCode(t *testing.T) {
	forbidden := []string{
		module + "internal/server", module + "internal/api", module + "internal/relay",
		module + "internal/store", module + "internal/notify/broker",
		"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/mochi-mqtt/server", "github.com/prometheus/client_golang",
	}
	for _, cmd := range []string{"cmd/localproxy", "cmd/tunnelagent"} {
		for _, dep := range goList(t, "-deps", "../../"+cmd) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", cmd, dep)
				}
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{len .GoFiles}}\t{{.Doc}}", "../../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, rest, _ := strings.Cut(line, "\t")
		files, doc, _ := strings.Cut(rest, "\t")
		if files != "0" && strings.TrimSpace(doc) == "" {
			t.Errorf("package %s has no package comment", path)
		}
	}
}

// TestNotifyDoesNotImportTheAPI checks that the MQTT publisher and the
// notification format stand apart from the control plane: the
// Notification type lives in notifymsg, which both sides import.
func TestNotifyDoesNotImportTheAPI(t *testing.T) {
	for _, pkg := range []string{"internal/notify", "internal/notify/notifymsg"} {
		for _, dep := range goList(t, "-deps", "../../"+pkg) {
			if dep == module+"internal/api" {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
