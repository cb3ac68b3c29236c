package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/adit-project/adit/internal/listenlog"
	"github.com/adit-project/adit/internal/sigv4"
)

// proc is a child process whose output goes to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startProc(name, logPath string, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and kills the process after 5 s.
func (p *proc) stop() {
	if p == nil || p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitLog waits until the log matches re and returns the first submatch.
func (p *proc) waitLog(re *regexp.Regexp, timeout time.Duration) (string, error) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		b, _ := os.ReadFile(p.log)
		if m := re.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
		if p.exited() {
			return "", fmt.Errorf("%s exited: %s", p.name, tail(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(p.log)
	return "", fmt.Errorf("%s: timed out waiting for %q: %s", p.name, re, tail(b))
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// status reads a kB field (VmHWM, VmRSS) of /proc/PID/status.
func procStatusKB(pid int, field string) int64 {
	return procStatusKBFile(fmt.Sprintf("/proc/%d/status", pid), field)
}

// cpuTime is the user+system CPU time of a process.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	// Fields after the command: state(0) ... utime(11) stime(12), in clock ticks (100 Hz on Linux).
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func fdCount(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

// resetHWM resets a process's peak RSS (VmHWM) to its current RSS.
func resetHWM(pid int) {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// waitListen waits until the log holds a listening report (package
// listenlog) of each of kinds, and returns their addresses (the last
// report of each kind: these processes listen once per kind).
func (p *proc) waitListen(timeout time.Duration, kinds ...listenlog.Kind) (map[listenlog.Kind]string, error) {
	end := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(p.log)
		got := map[listenlog.Kind]string{}
		for _, l := range strings.Split(string(b), "\n") {
			if ev, ok := listenlog.Parse(l); ok {
				got[ev.Kind] = ev.Addr
			}
		}
		missing := slices.DeleteFunc(slices.Clone(kinds), func(k listenlog.Kind) bool { return got[k] != "" })
		switch {
		case len(missing) == 0:
			return got, nil
		case p.exited():
			return nil, fmt.Errorf("%s exited before it listened (%v): %s", p.name, missing, tail(b))
		case !time.Now().Before(end):
			return nil, fmt.Errorf("%s: no listening report (%v) within %v: %s", p.name, missing, timeout, tail(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pickPort returns a loopback port that was free a moment ago. Only the
// localproxies' pprof servers use it (--profile): localproxy does not
// report the address its pprof server bound, so port 0 cannot be read
// back. A port taken in between costs that profile, not a figure.
func pickPort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// tunneld is a running tunneld.
type tunneld struct {
	*proc
	addr  string // host:port
	dir   string
	tls   bool
	pprof string
	api   *apiClient
}

func startTunneld(bin, dir, name string, useTLS bool, extra ...string) (*tunneld, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--mqtt-listen", "off",
		"--connect-rate", "100000", "--max-open-tunnels", "100000", "--pprof-listen", "127.0.0.1:0"}
	if useTLS {
		args = append(args, "--tls-self-signed")
	}
	args = append(args, extra...)
	p, err := startProc(name, filepath.Join(dir, name+".log"), nil, bin, args...)
	if err != nil {
		return nil, err
	}
	addrs, err := p.waitListen(20*time.Second, listenlog.API, listenlog.Pprof)
	if err != nil {
		p.stop()
		return nil, err
	}
	t := &tunneld{proc: p, addr: addrs[listenlog.API], dir: dir, tls: useTLS, pprof: addrs[listenlog.Pprof]}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	t.api, err = newAPIClient(scheme+"://"+t.addr, filepath.Join(dir, "data", "credentials"), filepath.Join(dir, "data", "tls", "ca.pem"))
	if err != nil {
		p.stop()
		return nil, err
	}
	return t, nil
}

// apiClient calls the control-plane API with SigV4.
type apiClient struct {
	endpoint string
	key      sigv4.Key
	client   *http.Client
}

func newAPIClient(endpoint, credFile, caFile string) (*apiClient, error) {
	keys, err := sigv4.LoadCredentialsFile(credFile)
	if err != nil {
		return nil, err
	}
	a := &apiClient{endpoint: endpoint}
	for _, k := range keys {
		a.key = k
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	if strings.HasPrefix(endpoint, "https") {
		cfg, err := tlsConfigFromCA(caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
	}
	a.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return a, nil
}

func (a *apiClient) call(op string, in, out any) error {
	body, _ := json.Marshal(in)
	r, _ := http.NewRequest(http.MethodPost, a.endpoint+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "IoTSecuredTunneling."+op)
	sigv4.Sign(r, body, a.key, "us-east-1", "IoTSecuredTunneling", time.Now())
	resp, err := a.client.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: status %d: %s", op, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

type openedTunnel struct {
	TunnelID               string `json:"tunnelId"`
	SourceAccessToken      string `json:"sourceAccessToken"`
	DestinationAccessToken string `json:"destinationAccessToken"`
}

func (a *apiClient) openTunnel(services ...string) (openedTunnel, error) {
	var t openedTunnel
	err := a.call("OpenTunnel", map[string]any{
		"description":       "tunnelbench",
		"destinationConfig": map[string]any{"services": services},
	}, &t)
	if err == nil && (t.SourceAccessToken == "" || t.DestinationAccessToken == "") {
		err = fmt.Errorf("OpenTunnel: no tokens in the answer")
	}
	return t, err
}

// lineReader reads lines from a child's stdout with a timeout.
type lineReader struct {
	ch chan string
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{ch: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.ch <- sc.Text()
		}
		close(lr.ch)
	}()
	return lr
}

func (lr *lineReader) next(timeout time.Duration) (string, error) {
	select {
	case l, ok := <-lr.ch:
		if !ok {
			return "", io.EOF
		}
		return l, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("timed out after %v", timeout)
	}
}
