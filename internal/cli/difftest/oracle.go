// Package difftest drives differential tests of tunnelctl's JMESPath engine
// and output formatters against the Python implementations the AWS CLI v1
// uses: a seeded generator of random JMESPath expressions and JSON
// documents, and Oracle, a client of the long-lived Python helper
// internal/cli/testdata/difforacle.py (one process per test run, JSON lines
// over stdin and stdout). Only tests import it.
package difftest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// callTimeout bounds one request to the helper.
const callTimeout = 20 * time.Second

// Answer is the helper's reply. OK reports success; otherwise Class is
// one of syntax, arity, type, unknown_function, runtime or unserializable,
// and Type and Msg are the Python exception's class name and text.
type Answer struct {
	OK     bool   `json:"ok"`
	Result string `json:"result"` // search: the result as JSON text
	Out    string `json:"out"`    // format: what was written to stdout
	Class  string `json:"class"`
	Type   string `json:"type"`
	Msg    string `json:"msg"`
}

// FormatRequest asks the helper to run an AWS CLI formatter.
type FormatRequest struct {
	Output  string  `json:"output"` // json, text or table
	Command string  `json:"command"`
	Doc     string  `json:"doc"` // the response as JSON text
	Query   *string `json:"query"`
	Width   int     `json:"width"` // table: terminal width
	Color   string  `json:"color"` // off or on
}

// Oracle is a running helper process. It is safe for concurrent use.
type Oracle struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  *os.File
	out *os.File
	rd  *bufio.Reader
}

// Start runs the helper script at path (relative to the test's package
// directory) with python3 and stops it when the test ends. needAWSCLI
// also requires the awscli module. Without python3 and the modules the
// test is skipped, except under CI=true, where it fails.
func Start(tb testing.TB, path string, needAWSCLI bool) *Oracle {
	tb.Helper()
	modules := "import jmespath"
	if needAWSCLI {
		modules += ", awscli.formatter"
	}
	if out, err := exec.Command("python3", "-c", modules).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("differential test needs python3 with %q: %v %s", modules, err, out)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip("skipping: " + msg)
	}
	o, err := startProcess(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(o.Close)
	return o
}

func startProcess(path string) (*Oracle, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, os.Stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	return &Oracle{cmd: cmd, in: inW, out: outR, rd: bufio.NewReaderSize(outR, 1<<16)}, nil
}

// Close ends the helper: closing its stdin ends its loop.
func (o *Oracle) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.in.Close()
	done := make(chan struct{})
	go func() { o.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		o.cmd.Process.Kill()
		<-done
	}
	o.out.Close()
}

// Search evaluates expr over the JSON document doc with Python jmespath.
func (o *Oracle) Search(expr, doc string) (Answer, error) {
	return o.call(map[string]any{"op": "search", "expr": expr, "doc": doc})
}

// Format runs an AWS CLI formatter on a response.
func (o *Oracle) Format(r FormatRequest) (Answer, error) {
	return o.call(struct {
		Op string `json:"op"`
		FormatRequest
	}{"format", r})
}

func (o *Oracle) call(req any) (Answer, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return Answer{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	deadline := time.Now().Add(callTimeout)
	o.in.SetWriteDeadline(deadline)
	if _, err := o.in.Write(append(line, '\n')); err != nil {
		return Answer{}, fmt.Errorf("oracle write: %w", err)
	}
	o.out.SetReadDeadline(deadline)
	resp, err := o.rd.ReadBytes('\n')
	if err != nil {
		return Answer{}, fmt.Errorf("oracle read: %w", err)
	}
	var a Answer
	if err := json.Unmarshal(resp, &a); err != nil {
		return Answer{}, fmt.Errorf("oracle reply %q: %w", resp, err)
	}
	return a, nil
}
