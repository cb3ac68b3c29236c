package logging

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// file is a real file the Writer writes to; contents reads it back.
type file struct {
	t *testing.T
	f *os.File
}

func newFile(t *testing.T) *file {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &file{t: t, f: f}
}

func (f *file) contents() string {
	b, err := os.ReadFile(f.f.Name())
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, w *Writer, s string) {
	t.Helper()
	if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
		t.Fatalf("Write(%q) = %d, %v; want %d, nil", s, n, err, len(s))
	}
}

// A quiet writer passes a line on at once; lines that follow within the
// delay wait for Flush (here the delay is an hour).
func TestQuietLineAtOnceBurstWaits(t *testing.T) {
	f := newFile(t)
	w := NewWriter(f.f, time.Hour, 0)
	write(t, w, "one\n")
	if got := f.contents(); got != "one\n" {
		t.Fatalf("after the first line the file holds %q, want it", got)
	}
	write(t, w, "two\n")
	write(t, w, "three\n")
	if got := f.contents(); got != "one\n" {
		t.Fatalf("lines within the delay reached the file before Flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := f.contents(); got != "one\ntwo\nthree\n" {
		t.Errorf("after Flush the file holds %q", got)
	}
}

// Lines held back leave by themselves once the delay has passed.
func TestHeldLinesLeaveAfterTheDelay(t *testing.T) {
	f := newFile(t)
	w := NewWriter(f.f, 20*time.Millisecond, 0)
	write(t, w, "a\n")
	write(t, w, "b\n")
	deadline := time.Now().Add(5 * time.Second)
	for f.contents() != "a\nb\n" {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the file holds %q, want a and b", f.contents())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Size bytes waiting are written at once; Close writes the rest and
// lets later writes through.
func TestSizeAndClose(t *testing.T) {
	f := newFile(t)
	w := NewWriter(f.f, time.Hour, 10)
	write(t, w, "0\n")     // at once (quiet)
	write(t, w, "12345\n") // held
	write(t, w, "6789\n")  // 11 bytes wait: written
	write(t, w, "tail\n")  // held
	if got := f.contents(); got != "0\n12345\n6789\n" {
		t.Fatalf("file holds %q, want the first three lines", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, w, "after\n")
	if got := f.contents(); got != "0\n12345\n6789\ntail\nafter\n" {
		t.Errorf("after Close the file holds %q", got)
	}
}

// Writes from many goroutines all arrive, each whole.
func TestConcurrentWritesArriveWhole(t *testing.T) {
	f := newFile(t)
	w := NewWriter(f.f, time.Millisecond, 512)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "writer %d line %d %s\n", g, i, strings.Repeat("x", i%50))
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(f.contents(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines in the file, want %d", len(got), writers*lines)
	}
	seen := make(map[string]bool, len(got))
	for _, l := range got {
		var g, i int
		var x string
		if n, err := fmt.Sscanf(l, "writer %d line %d %s", &g, &i, &x); n < 2 || err != nil && i%50 != 0 {
			t.Fatalf("torn line %q", l)
		}
		if i%50 != 0 && x != strings.Repeat("x", i%50) {
			t.Fatalf("torn line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != writers*lines {
		t.Errorf("%d distinct lines, want %d", len(seen), writers*lines)
	}
}

type failing struct{ err error }

func (f failing) Write([]byte) (int, error) { return 0, f.err }

// The underlying writer's error comes back, from then on.
func TestWriteErrorReturned(t *testing.T) {
	boom := errors.New("disk gone")
	w := NewWriter(failing{boom}, time.Hour, 0)
	if _, err := w.Write([]byte("x\n")); !errors.Is(err, boom) {
		t.Errorf("Write to a failing writer = %v, want %v", err, boom)
	}
	if _, err := w.Write([]byte("y\n")); !errors.Is(err, boom) {
		t.Errorf("second Write = %v, want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close = %v, want %v", err, boom)
	}
}

// Through Handler, an info record may wait; a warning flushes it and
// itself at once.
func TestHandlerFlushesWarnings(t *testing.T) {
	f := newFile(t)
	w := NewWriter(f.f, time.Hour, 0)
	log := slog.New(NewHandler(slog.NewTextHandler(w, nil), w)).With("node", "n1")
	log.Info("first")  // quiet: at once
	log.Info("second") // held
	if strings.Contains(f.contents(), "second") {
		t.Fatalf("info record written before its delay: %q", f.contents())
	}
	log.WithGroup("g").Warn("third", "k", "v")
	got := f.contents()
	for _, want := range []string{"msg=first node=n1", "msg=second node=n1", "msg=third node=n1 g.k=v"} {
		if !strings.Contains(got, want) {
			t.Errorf("file lacks %q after a warning:\n%s", want, got)
		}
	}
	if !bytes.HasSuffix([]byte(got), []byte("\n")) || strings.Count(got, "\n") != 3 {
		t.Errorf("file holds %q, want three whole lines", got)
	}
}
