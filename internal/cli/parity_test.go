package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/cli"
)

// The parity tests run the installed AWS CLI v1 ("aws iotsecuretunneling
// ...") and tunnelctl (cli.Main, in process) side by side against the same
// server, and require identical stdout, stderr, exit status and request
// bodies. They skip when aws is not installed, unless CI=true.

// parityCase is one command line.
type parityCase struct {
	name string
	// args follow "aws iotsecuretunneling". "@DIR@" is replaced by a temp
	// directory holding files; --endpoint-url <server> is appended unless
	// noEndpoint is set, args name their own --endpoint-url, or "@EP@"
	// marks where the server URL goes.
	args       []string
	env        map[string]string // overrides; "" unsets
	files      map[string]string
	noEndpoint bool
	// normalize hides output aws randomises (e.g. skeleton enum values).
	normalize func(string) string
	// backend overrides the run's backend for this case.
	backend func(*testing.T) backend
}

// result is what one run produced.
type result struct {
	stdout, stderr string
	code           int
	requests       []recorded
}

func requireAWS(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("aws CLI v1 not found on PATH (required when CI=true): %v", err)
		}
		t.Skip("aws CLI not installed; parity tests skipped")
	}
	return path
}

// managedEnv lists the variables both CLIs read; each run sets exactly
// the case's values for them.
var managedEnv = []string{
	"HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_DEFAULT_OUTPUT", "AWS_CA_BUNDLE", "AWS_EC2_METADATA_DISABLED",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IOTSECURETUNNELING", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
}

const testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func caseEnv(c parityCase, home string) map[string]string {
	env := map[string]string{
		"HOME":                        home,
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       testSecret,
		"AWS_DEFAULT_REGION":          "us-east-1",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
	}
	for k, v := range c.env {
		env[k] = v
	}
	return env
}

func expand(c parityCase, vars map[string]string) []string {
	var out []string
	marked := false
	for _, a := range c.args {
		marked = marked || strings.Contains(a, "@EP@") || a == "--endpoint-url"
		for k, v := range vars {
			a = strings.ReplaceAll(a, k, v)
		}
		out = append(out, a)
	}
	endpoint := vars["@EP@"]
	if !marked && !c.noEndpoint {
		out = append(out, "--endpoint-url", endpoint)
	}
	return out
}

// backend is the server a case runs against: its URL, extra placeholder
// values and environment, and a function returning (and forgetting) the
// requests seen so far.
type backend struct {
	url  string
	vars map[string]string
	// ctlVars, when set, replace vars for the tunnelctl run: the two CLIs
	// then act on twin resources and outputs are compared normalized.
	ctlVars map[string]string
	env     map[string]string
	take    func() []recorded
}

// cannedBackend starts a canned server for one case.
func cannedBackend(t *testing.T) backend {
	canned := &cannedServer{}
	srv := httptest.NewServer(canned)
	t.Cleanup(srv.Close)
	return backend{url: srv.URL, take: canned.take}
}

// prepared is a case with its server and files set up.
type prepared struct {
	c       parityCase
	be      backend
	home    string
	args    []string // for aws
	ctlArgs []string // for tunnelctl
	env     map[string]string
	aws     result
	// awsTime is how long aws took, reported for slow cases.
	awsTime time.Duration
}

func prepare(t *testing.T, c parityCase, be backend) *prepared {
	home := t.TempDir()
	for name, content := range c.files {
		content = strings.ReplaceAll(content, "@EP@", be.url)
		if err := os.WriteFile(filepath.Join(home, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"@DIR@": home, "@EP@": be.url}
	for k, v := range be.vars {
		vars[k] = v
	}
	env := caseEnv(c, home)
	for k, v := range env {
		env[k] = strings.ReplaceAll(v, "@EP@", be.url)
	}
	for k, v := range be.env {
		if _, overridden := c.env[k]; !overridden {
			env[k] = v
		}
	}
	p := &prepared{c: c, be: be, home: home, args: expand(c, vars), ctlArgs: expand(c, vars), env: env}
	if be.ctlVars != nil {
		for k, v := range be.ctlVars {
			vars[k] = v
		}
		p.ctlArgs = expand(c, vars)
	}
	return p
}

func runAWS(ctx context.Context, awsPath string, p *prepared) result {
	cmd := exec.CommandContext(ctx, awsPath, append([]string{"iotsecuretunneling"}, p.args...)...)
	cmd.Dir = p.home
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	for k, v := range p.env {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		errb.WriteString(err.Error())
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code, requests: p.be.take()}
}

func runTunnelctl(t *testing.T, p *prepared) result {
	setManagedEnv(t, p.env)
	wd, _ := os.Getwd()
	if err := os.Chdir(p.home); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), p.ctlArgs, &out, &errb)
	return result{stdout: out.String(), stderr: errb.String(), code: code, requests: p.be.take()}
}

// parityOptions tune runParityWith.
type parityOptions struct {
	// backend makes the server for one case; cannedBackend when nil.
	backend func(*testing.T) backend
	// subprocess runs the aws script once per case instead of batching
	// invocations through testdata/awsbatch.py, which calls the same
	// awscli.clidriver.main the aws script calls, in a few Python
	// processes.
	subprocess bool
	// concurrent runs tunnelctl for all cases at once. Only for cases that
	// share one environment and use no files (the first case's applies);
	// it keeps slow retry tests short.
	concurrent bool
}

// runParity runs every case with aws and then with tunnelctl against a
// canned server, comparing the results.
func runParity(t *testing.T, cases []parityCase) {
	runParityWith(t, cases, parityOptions{})
}

// runParityWith is runParity with options.
func runParityWith(t *testing.T, cases []parityCase, o parityOptions) {
	awsPath := requireAWS(t)
	if o.backend == nil {
		o.backend = cannedBackend
	}
	ps := make([]*prepared, len(cases))
	for i, c := range cases {
		newBackend := o.backend
		if c.backend != nil {
			newBackend = c.backend
		}
		ps[i] = prepare(t, c, newBackend(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if o.subprocess {
		runAllSubprocess(ctx, awsPath, ps)
	} else {
		workers := runtime.NumCPU()
		if o.concurrent {
			workers = len(ps) // these cases mostly sleep
		}
		runAllBatch(ctx, t, awsPath, ps, workers)
	}
	if o.concurrent {
		runAllConcurrently(t, ps)
		return
	}
	for _, p := range ps {
		t.Run(p.c.name, func(t *testing.T) {
			if p.awsTime > 5*time.Second {
				t.Logf("aws took %s", p.awsTime)
			}
			got := runTunnelctl(t, p)
			compare(t, p, p.aws, got)
		})
	}
}

func runAllConcurrently(t *testing.T, ps []*prepared) {
	setManagedEnv(t, ps[0].env)
	results := make([]result, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			code := cli.Main(context.Background(), p.ctlArgs, &out, &errb)
			results[i] = result{stdout: out.String(), stderr: errb.String(), code: code}
		}()
	}
	wg.Wait()
	for i, p := range ps {
		results[i].requests = p.be.take()
		t.Run(p.c.name, func(t *testing.T) { compare(t, p, p.aws, results[i]) })
	}
}

func setManagedEnv(t *testing.T, env map[string]string) {
	for _, k := range managedEnv {
		t.Setenv(k, env[k])
		if env[k] == "" {
			os.Unsetenv(k)
		}
	}
}

func runAllSubprocess(ctx context.Context, awsPath string, ps []*prepared) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for _, p := range ps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			p.aws = runAWS(ctx, awsPath, p)
			p.awsTime = time.Since(start)
		}()
	}
	wg.Wait()
}

// runAllBatch splits the cases over a few Python processes running
// testdata/awsbatch.py.
func runAllBatch(ctx context.Context, t *testing.T, awsPath string, ps []*prepared, workers int) {
	python := awsInterpreter(awsPath)
	if python == "" {
		runAllSubprocess(ctx, awsPath, ps)
		return
	}
	script, err := filepath.Abs("testdata/awsbatch.py")
	if err != nil {
		t.Fatal(err)
	}
	workers = min(workers, len(ps))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		var group []*prepared
		for i := w; i < len(ps); i += workers {
			group = append(group, ps[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := runBatch(ctx, python, script, group); err != nil {
				t.Errorf("aws batch: %v", err)
			}
		}()
	}
	wg.Wait()
}

// awsInterpreter finds a Python that imports the installed awscli: the
// aws script's own interpreter when its shebang names one, else python3.
// It returns "" when none does (the caller then uses subprocesses).
func awsInterpreter(awsPath string) string {
	candidates := []string{"python3"}
	if data, err := os.ReadFile(awsPath); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		if f := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(f) == 1 {
			candidates = append([]string{f[0]}, candidates...)
		}
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import awscli.clidriver").Run() == nil {
			return py
		}
	}
	return ""
}

type batchCase struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env"`
	Cwd  string            `json:"cwd"`
}

type batchResult struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

func runBatch(ctx context.Context, python, script string, group []*prepared) error {
	var in []batchCase
	for _, p := range group {
		env := map[string]string{"PATH": os.Getenv("PATH"), "LANG": "C.UTF-8"}
		for k, v := range p.env {
			if v != "" {
				env[k] = v
			}
		}
		in = append(in, batchCase{Args: append([]string{"iotsecuretunneling"}, p.args...), Env: env, Cwd: p.home})
	}
	input, err := json.Marshal(in)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, python, script)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%v: %s", err, stderr.String())
	}
	var results []batchResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(group) {
		return fmt.Errorf("bad batch output (%v): %.300s", err, out)
	}
	for i, p := range group {
		r := results[i]
		p.aws = result{stdout: r.Stdout, stderr: r.Stderr, code: r.Code, requests: p.be.take()}
		p.awsTime = time.Since(start) / time.Duration(len(group))
	}
	return nil
}

func compare(t *testing.T, p *prepared, want, got result) {
	t.Helper()
	norm := func(s string) string {
		if p.be.ctlVars != nil {
			s = normalizeIDs(s)
		}
		if p.c.normalize != nil {
			return p.c.normalize(s)
		}
		return s
	}
	if got.code != want.code {
		t.Errorf("exit status = %d, aws = %d\nargs: %q\nstderr: %s\naws stderr: %s", got.code, want.code, p.args, got.stderr, want.stderr)
	}
	if norm(got.stdout) != norm(want.stdout) {
		t.Errorf("stdout differs\nargs: %q\n--- tunnelctl\n%s\n--- aws\n%s", p.args, got.stdout, want.stdout)
	}
	if norm(got.stderr) != norm(want.stderr) {
		t.Errorf("stderr differs\nargs: %q\n--- tunnelctl\n%q\n--- aws\n%q", p.args, got.stderr, want.stderr)
	}
	if norm(fmt.Sprint(got.requests)) != norm(fmt.Sprint(want.requests)) {
		t.Errorf("requests differ\nargs: %q\n--- tunnelctl\n%v\n--- aws\n%v", p.args, got.requests, want.requests)
	}
}

var (
	uuidRE  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	tokenRE = regexp.MustCompile(`adt1\.[A-Za-z0-9_-]{43}`)
)

// normalizeIDs hides tunnel ids and access tokens, which differ between
// twin resources but have fixed lengths (so table layouts still match).
func normalizeIDs(s string) string {
	s = uuidRE.ReplaceAllString(s, "<uuid------------------------------>")
	return tokenRE.ReplaceAllString(s, "<token-------------------------------------->")
}

var clientModeRE = regexp.MustCompile(`"clientMode": "(SOURCE|DESTINATION|ALL)"`)

func hideClientMode(s string) string { return clientModeRE.ReplaceAllString(s, `"clientMode": "X"`) }
