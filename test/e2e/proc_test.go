package e2e

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
)

// waitFor bounds every wait for a process to log, connect or exit.
const waitFor = 30 * time.Second

// maxLogLines bounds the log kept per process (older lines are dropped).
const maxLogLines = 20000

// proc is a child process whose stderr (and stdout) lines are recorded.
type proc struct {
	name string
	cmd  *exec.Cmd

	mu      sync.Mutex
	lines   []string
	dropped int
	changed chan struct{} // closed and replaced on every new line and on exit
	exited  bool
	code    int // exit status once exited; -1 if killed by a signal
	done    chan struct{}
}

// startProc starts bin with args in a fresh temporary working directory
// and a minimal environment (plus env). The process is killed when the
// test ends, and its output is logged if the test failed.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}, env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 5 * time.Second // children (sshd's) may hold the output open
	p := &proc{name: name, cmd: cmd, changed: make(chan struct{}), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.addLine(sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		<-readDone
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -2
		}
		p.mu.Lock()
		p.exited, p.code = true, code
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- output of %s (%s):\n%s", name, strings.Join(args, " "), p.output())
		}
	})
	return p
}

func (p *proc) addLine(l string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, l)
	if len(p.lines) > maxLogLines {
		n := len(p.lines) - maxLogLines/2
		p.lines = append(p.lines[:0], p.lines[n:]...)
		p.dropped += n
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// output returns the recorded lines.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := strings.Join(p.lines, "\n")
	if p.dropped > 0 {
		s = "[" + strconv.Itoa(p.dropped) + " earlier lines dropped]\n" + s
	}
	if p.exited {
		s += "\n[exit status " + strconv.Itoa(p.code) + "]"
	}
	return s
}

// kill ends the process (SIGKILL) if it is still running and waits for it.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(waitFor):
	}
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
}

// waitMatches waits until at least n lines match re and returns the
// submatches of the n-th one. It fails the test if the process exits first
// or the wait exceeds timeout.
func (p *proc) waitMatches(t *testing.T, re *regexp.Regexp, n int, timeout time.Duration) []string {
	t.Helper()
	var m []string
	p.waitLine(t, strconv.Quote(re.String()), func(l string) bool {
		m = re.FindStringSubmatch(l)
		return m != nil
	}, n, timeout)
	return m
}

// waitListening waits until the process reports that it listens (a line
// package listenlog reads) for kind and returns the bound address.
func (p *proc) waitListening(t *testing.T, kind listenlog.Kind, timeout time.Duration) string {
	t.Helper()
	var addr string
	p.waitLine(t, "that it listens ("+string(kind)+")", func(l string) bool {
		ev, ok := listenlog.Parse(l)
		if ok && ev.Kind == kind {
			addr = ev.Addr
		}
		return ok && ev.Kind == kind
	}, 1, timeout)
	return addr
}

// waitLine waits until at least n lines satisfy match, stopping at the
// n-th (match's last call is on that line). It fails the test if the
// process exits first or the wait exceeds timeout; what names the line in
// the failure.
func (p *proc) waitLine(t *testing.T, what string, match func(string) bool, n int, timeout time.Duration) {
	t.Helper()
	if found, exited := p.await(match, n, timeout); found < n {
		if exited {
			t.Fatalf("%s exited before logging %s (%d of %d seen); output:\n%s", p.name, what, found, n, p.output())
		}
		t.Fatalf("%s did not log %s (%d of %d seen) within %v; output:\n%s", p.name, what, found, n, timeout, p.output())
	}
}

// await waits until n lines satisfy match, the process exits, or timeout
// passes, and returns how many lines matched (at most n) and whether the
// process has exited.
func (p *proc) await(match func(string) bool, n int, timeout time.Duration) (found int, exited bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		found = 0
		for _, l := range p.lines {
			if match(l) {
				if found++; found == n {
					break
				}
			}
		}
		exited, ch := p.exited, p.changed
		p.mu.Unlock()
		if found == n || exited {
			return found, exited
		}
		select {
		case <-ch:
		case <-deadline.C:
			return found, false
		}
	}
}

// changedChan returns a channel closed at the next line or at exit.
func (p *proc) changedChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// count returns how many recorded lines match re.
func (p *proc) count(re *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// waitExit waits up to timeout for the process to exit and returns its
// status.
func (p *proc) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still running %v later; output:\n%s", p.name, timeout, p.output())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}
