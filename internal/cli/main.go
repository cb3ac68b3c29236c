package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/adit-project/adit/internal/cli/pyjson"
	"github.com/adit-project/adit/internal/version"
)

// Main runs tunnelctl with args (without the program name), writing to
// stdout and stderr, and returns the process exit status: 0, 2 for usage
// errors, 255 for other failures, 130 when interrupted. It reads the process
// environment (AWS_* variables, HOME) the way the AWS CLI does.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	r := &runner{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	return r.run(ctx, args)
}

// runner holds one invocation.
type runner struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	log            *debugLog
	colorErr       bool // colorama wraps stderr too (table output with color)
}

func (r *runner) run(ctx context.Context, args []string) int {
	err := r.execute(ctx, args)
	var vr versionRequest
	var es *exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &es):
		if es.msg != "" {
			fmt.Fprintln(r.stderr, "tunnelctl:", es.msg)
		}
		return es.code
	case errors.As(err, &vr):
		fmt.Fprintln(r.stdout, versionLine())
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(r.stdout)
		return exitInt
	}
	if r.colorErr {
		return report(&resetWriter{r.stderr}, err)
	}
	return report(r.stderr, err)
}

// userAgent is the version line, in the AWS CLI's format.
func userAgent() string {
	return fmt.Sprintf("tunnelctl/%s Go/%s %s/%s", version.String(), strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
}

// versionLine is the --version output: the version line followed by the
// commit and build date.
func versionLine() string {
	long := version.Long()
	return userAgent() + strings.TrimPrefix(long, version.String())
}

func (r *runner) execute(ctx context.Context, args []string) error {
	if globals, command, rest, ok := splitExtension(args); ok {
		return r.runExtension(ctx, globals, command, rest)
	}
	if len(args) == 0 || args[0] != serviceName {
		args = append([]string{serviceName}, args...)
	}
	ns, rest, err := newMainParser().parseKnownArgs(args)
	if err != nil {
		return err
	}
	g, err := resolveGlobals(ns)
	if err != nil {
		return err
	}
	r.log = &debugLog{now: r.now}
	if g.debug {
		r.log.w = r.stderr
		r.log.printf("awscli.clidriver", "CLI version: %s", userAgent())
		r.log.printf("awscli.clidriver", "Arguments entered to CLI: %s", pyjson.Repr(stringsToAny(args[1:])))
	}
	prof := loadProfiles(g, r.getenv)
	scoped, scopedErr := prof.scoped()
	if scopedErr == nil {
		switch f := scoped["cli_timestamp_format"]; f {
		case "", "wire", "none", "iso8601":
		default:
			return fmt.Errorf(`Unknown cli_timestamp_format value: %s, valid values are "none", "wire" or "iso8601"`, f)
		}
	}
	if ns["command"] == "help" {
		writeMainHelp(r.stdout)
		return nil
	}
	svc := &argParser{}
	choices := make([]string, 0, len(operations)+1)
	for _, op := range operations {
		choices = append(choices, op.command)
	}
	svc.add(&action{dest: "operation", nargs: nargsOne, required: true, choices: append(choices, "help")})
	ns2, rest2, err := svc.parseKnownArgs(rest)
	if err != nil {
		return err
	}
	if ns2["operation"] == "help" {
		writeMainHelp(r.stdout)
		return nil
	}
	inv := &invocation{runner: r, g: g, op: lookupOperation(ns2["operation"].(string)), prof: prof, scoped: scoped}
	return inv.perform(ctx, rest2, scopedErr)
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// perform parses the operation's arguments and performs it. scopedErr is a
// missing profile, reported once parameters have been unpacked.
func (inv *invocation) perform(ctx context.Context, argv []string, scopedErr error) error {
	op := inv.op
	if len(argv) == 1 && argv[0] == "help" {
		writeOperationHelp(inv.stdout, op)
		return nil
	}
	table := argTable(op)
	ns, rest, err := operationParser(table, argv).parseKnownArgs(argv)
	if err != nil {
		return err
	}
	if h, ok := ns["help"].(string); ok {
		if h == "help" {
			writeOperationHelp(inv.stdout, op)
			return nil
		}
		rest = append(rest, h)
	}
	if len(rest) > 0 {
		return &unknownOptionsError{rest}
	}
	loader := &paramLoader{ctx: ctx, getenv: inv.getenv, remote: inv.scoped["cli_follow_urlparam"] != "false", httpGet: httpGet}
	params, err := buildParams(table, ns, loader)
	if err != nil {
		return err
	}
	if scopedErr != nil {
		return scopedErr
	}
	if err := mergeInputJSON(params, ns, loader); err != nil {
		return err
	}
	switch ns["generate_cli_skeleton"] {
	case "input":
		_, err := io.WriteString(inv.stdout, inputSkeleton(op))
		return err
	case "output":
		return inv.stubbed(ctx, params)
	}
	return inv.invoke(ctx, params)
}

// mergeInputJSON applies --cli-input-json: its keys fill parameters the
// command line did not set.
func mergeInputJSON(params *pyjson.Object, ns map[string]any, loader *paramLoader) error {
	raw, ok := ns["cli_input_json"].(string)
	if !ok {
		return nil
	}
	content := raw
	if v, loaded, err := loader.load(raw, true); err != nil {
		return err
	} else if loaded {
		content = valueText(v)
	}
	data, err := pyjson.Decode(content, false)
	if err != nil {
		return paramError("cli-input-json", fmt.Sprintf("Invalid JSON: %s\nJSON received: %s", err, content))
	}
	obj, ok := data.(*pyjson.Object)
	if !ok {
		return fmt.Errorf("'%s' object has no attribute 'keys'", pyjson.TypeName(data))
	}
	for _, k := range obj.Keys() {
		if _, set := params.Get(k); !set {
			v, _ := obj.Get(k)
			params.Set(k, v)
		}
	}
	return nil
}

func valueText(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v.(string)
}

// invocation is one API call: client setup, validation, request, output.
type invocation struct {
	*runner
	g      *globals
	op     *operation
	prof   *profiles
	scoped map[string]string
}

// newClient does what botocore's create_client does before any request:
// credentials chain (partial or missing profiles fail here), region and
// endpoint.
func (inv *invocation) newClient(ctx context.Context, withCreds bool) (*client, error) {
	region, err := resolveRegion(inv.g, inv.scoped, inv.getenv)
	if err != nil {
		return nil, err
	}
	c := &client{region: region, signer: v4.NewSigner(), sleep: sleepCtx, log: inv.log, now: inv.now}
	if inv.g.signRequest && withCreds {
		if c.creds, err = loadCredentials(ctx, inv.prof, region, inv.getenv); err != nil {
			return nil, err
		}
	}
	c.endpoint = defaultEndpoint(region)
	if ep := inv.configuredEndpoint(); ep != "" {
		if c.endpoint, err = checkEndpoint(ep); err != nil {
			return nil, err
		}
	}
	caBundle := inv.g.caBundle
	if caBundle == "" {
		caBundle = inv.getenv("AWS_CA_BUNDLE")
	}
	if caBundle == "" {
		caBundle = inv.scoped["ca_bundle"]
	}
	if c.http, err = newHTTPClient(inv.g, expandUser(caBundle, inv.getenv)); err != nil {
		return nil, err
	}
	return c, nil
}

// configuredEndpoint is --endpoint-url, else botocore's configured
// endpoints: AWS_ENDPOINT_URL_IOTSECURETUNNELING, AWS_ENDPOINT_URL, then
// the profile's endpoint_url (unless ignore_configured_endpoint_urls).
func (inv *invocation) configuredEndpoint() string {
	if inv.g.endpointURL != "" {
		return inv.g.endpointURL
	}
	ignore := inv.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
	if ignore == "" {
		ignore = inv.scoped["ignore_configured_endpoint_urls"]
	}
	if strings.EqualFold(ignore, "true") {
		return ""
	}
	for _, v := range []string{inv.getenv("AWS_ENDPOINT_URL_IOTSECURETUNNELING"), inv.getenv("AWS_ENDPOINT_URL"), inv.scoped["endpoint_url"]} {
		if v != "" {
			return v
		}
	}
	return ""
}

// invoke calls the API and prints the formatted response.
func (inv *invocation) invoke(ctx context.Context, params *pyjson.Object) error {
	c, err := inv.newClient(ctx, true)
	if err != nil {
		return err
	}
	if err := validateParams(params, inv.op.input); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		sec  int
	}{{"connect", inv.g.connectTimeout}, {"read", inv.g.readTimeout}} {
		if t.sec < 0 {
			return fmt.Errorf("Attempted to set %s timeout to %d, but the timeout cannot be set to a value less than or equal to 0.", t.name, t.sec)
		}
	}
	body := pyjson.Dumps(params, pyjson.EncodeOptions{ASCII: true})
	resp, err := c.call(ctx, inv.op, []byte(body))
	if err != nil {
		return err
	}
	if resp.status >= 300 {
		return toAPIError(resp, inv.op)
	}
	parsed, err := parseOutput(resp.body, inv.op.output, inv.timestampParser())
	if err != nil {
		return err
	}
	return inv.display(parsed)
}

// timestampParser is the profile's cli_timestamp_format: raw values
// (wire, the default) or ISO 8601 in the local time zone.
func (inv *invocation) timestampParser() func(any) any {
	if inv.scoped["cli_timestamp_format"] == "iso8601" {
		return isoTimestamp
	}
	return nil
}

// stubbed is --generate-cli-skeleton output: validate the inputs and print
// a sample response through the formatter, without calling the API. Like
// botocore's Stubber, the sample must pass validation against the output
// shape first.
func (inv *invocation) stubbed(ctx context.Context, params *pyjson.Object) error {
	if _, err := inv.newClient(ctx, false); err != nil {
		return err
	}
	sample := skeleton(inv.op.output, "", true)
	if err := validateParams(sample, inv.op.output); err != nil {
		return err
	}
	if err := validateParams(params, inv.op.input); err != nil {
		return err
	}
	return inv.display(sample)
}

func (inv *invocation) display(resp any) error {
	output := inv.g.output
	if output == "" {
		output = inv.getenv("AWS_DEFAULT_OUTPUT")
	}
	if output == "" {
		output = inv.scoped["output"]
	}
	if output == "" {
		output = "json"
	}
	color := inv.g.color == "on" || (inv.g.color == "auto" && isTerminal(inv.stdout))
	if output == "table" && color {
		inv.colorErr = true
	}
	g := *inv.g
	if color {
		g.color = "on"
	}
	return display(inv.stdout, output, inv.op.name, resp, &g, terminalWidth(inv.stdout))
}

// resetWriter is colorama's autoreset wrapper: a reset after every write.
type resetWriter struct{ w io.Writer }

func (rw *resetWriter) Write(p []byte) (int, error) {
	n, err := rw.w.Write(p)
	if err == nil {
		_, err = io.WriteString(rw.w, ansiReset)
	}
	return n, err
}
