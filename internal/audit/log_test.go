package audit

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/metricstest"
)

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestRecordWritesStampedRedactedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(Config{Path: path, Region: "eu-west-1", AccountID: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	resp := map[string]any{"tunnelId": "t1", "sourceAccessToken": "adt1.secret-src", "destinationAccessToken": "adt1.secret-dst"}
	l.Record(&Event{EventSource: SourceAPI, EventName: "OpenTunnel", EventType: TypeAPICall, ManagementEvent: true,
		UserIdentity:      &UserIdentity{Type: "IAMUser", AccessKeyID: "AKIDX", UserName: "ops"},
		RequestParameters: Params(map[string]any{"nextToken": "abc", "clientToken": "ct"}),
		ResponseElements:  Params(resp), Time: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "secret") || strings.Contains(string(raw), `"ct"`) {
		t.Fatalf("a token leaked: %s", raw)
	}
	lines := readLines(t, path)
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1", len(lines))
	}
	ev := lines[0]
	want := map[string]any{"eventTime": "2026-12-03T10:00:00Z", "awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
		"eventVersion": "1.08", "eventName": "OpenTunnel", "eventType": "AwsApiCall"}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s = %v, want %v", k, ev[k], v)
		}
	}
	if id, _ := ev["eventID"].(string); len(id) != 36 {
		t.Errorf("eventID = %q", id)
	}
	re := ev["responseElements"].(map[string]any)
	if re["sourceAccessToken"] != Redacted || re["tunnelId"] != "t1" {
		t.Errorf("responseElements = %v", re)
	}
	if rp := ev["requestParameters"].(map[string]any); rp["nextToken"] != "abc" || rp["clientToken"] != Redacted {
		t.Errorf("requestParameters = %v", rp)
	}
}

func TestReopenFollowsLogrotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	l, err := Open(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Record(&Event{EventName: "first"})
	waitEvents(t, l, 1)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Record(&Event{EventName: "second"})
	waitEvents(t, l, 2)
	if a, b := readLines(t, path+".1"), readLines(t, path); len(a) != 1 || len(b) != 1 || b[0]["eventName"] != "second" {
		t.Errorf("rotated = %v, new = %v", a, b)
	}
}

// waitEvents waits (bounded) until the writer has written n events.
func waitEvents(t *testing.T, l *Log, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.events.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("writer wrote %d events, want %d", l.events.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWriteFailureIsCounted writes to /dev/full: every write fails with
// ENOSPC, and the failures are counted, not fatal.
func TestWriteFailureIsCounted(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	l, err := Open(Config{Path: "/dev/full"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		l.Record(&Event{EventName: "x"})
	}
	l.Close()
	if l.failed.Load() != 3 || l.events.Load() != 0 {
		t.Errorf("failed = %d, events = %d; want 3, 0", l.failed.Load(), l.events.Load())
	}
	out := metricstest.Text(t, l.Collectors()...)
	for _, want := range []string{"adit_audit_write_errors_total 3\n", "adit_audit_events_total 0\n", "adit_audit_dropped_total 0\n",
		"# TYPE adit_audit_write_errors_total counter\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}

// TestRecordNeverBlocks fills the queue behind a writer stuck on a pipe
// nobody reads: Record returns and counts the overflow.
func TestRecordNeverBlocks(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(Config{Path: "-", Stderr: w})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4096)
	n := QueueLen + 200
	for range n {
		l.Record(&Event{EventName: big})
	}
	if l.dropped.Load() == 0 {
		t.Fatalf("no drops after %d events into a stuck writer", n)
	}
	r.Close() // the writer's pending write fails; Close can finish
	l.Close()
	if got := l.dropped.Load() + l.failed.Load() + l.events.Load(); got != uint64(n) {
		t.Errorf("dropped+failed+written = %d, want %d", got, n)
	}
}

func TestNilLogIsOff(t *testing.T) {
	l, err := Open(Config{})
	if err != nil || l != nil {
		t.Fatalf("Open(empty) = %v, %v", l, err)
	}
	l.Record(&Event{})
	if l.Reopen() != nil || l.Close() != nil {
		t.Error("nil log methods failed")
	}
}
