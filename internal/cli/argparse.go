package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// This file reproduces the parts of Python's argparse (3.11) that the AWS
// CLI relies on: parse_known_args with prefix abbreviations, nargs
// patterns, "--" handling, choices and required checks, and the exact error
// messages. The AWS CLI parses in three passes (global options, service,
// operation), each with parse_known_args, and so does tunnelctl.

// nargs mirrors argparse's nargs values.
type nargs int

const (
	nargsOne        nargs = iota // None: exactly one argument
	nargsOptional                // '?'
	nargsZeroOrMore              // '*'
	nargsZero                    // store_true, store_false, version
)

// actionKind is what an action does with its arguments.
type actionKind int

const (
	actStore actionKind = iota
	actStoreTrue
	actStoreFalse
	actVersion
)

// action is one argparse action: an option or a positional.
type action struct {
	option   string // "--tunnel-id"; empty for a positional
	dest     string
	nargs    nargs
	kind     actionKind
	choices  []string
	required bool
	konst    *string // const for nargs '?' options
}

func (a *action) displayName() string {
	if a.option != "" {
		return a.option
	}
	return a.dest
}

// argParser is an argparse.ArgumentParser with add_help=False.
type argParser struct {
	actions []*action
}

// usageError is argparse's parser.error: usage on stderr, exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// versionRequest is argparse's version action: print and exit 0.
type versionRequest struct{}

func (versionRequest) Error() string { return "version" }

func (p *argParser) add(a *action) { p.actions = append(p.actions, a) }

func (p *argParser) lookup(opt string) *action {
	for _, a := range p.actions {
		if a.option == opt {
			return a
		}
	}
	return nil
}

// optTuple is argparse's (action, option_string, explicit_arg).
type optTuple struct {
	act      *action // nil for an unknown option
	opt      string
	explicit *string
}

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// classify is argparse's _parse_optional: nil means a positional.
func (p *argParser) classify(arg string) (*optTuple, error) {
	if arg == "" || arg[0] != '-' {
		return nil, nil
	}
	if a := p.lookup(arg); a != nil {
		return &optTuple{act: a, opt: arg}, nil
	}
	if len(arg) == 1 {
		return nil, nil
	}
	if opt, val, ok := strings.Cut(arg, "="); ok {
		if a := p.lookup(opt); a != nil {
			return &optTuple{act: a, opt: opt, explicit: &val}, nil
		}
	}
	matches := p.prefixMatches(arg)
	if len(matches) > 1 {
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.opt
		}
		return nil, &usageError{fmt.Sprintf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))}
	}
	if len(matches) == 1 {
		return &matches[0], nil
	}
	if negativeNumber.MatchString(arg) || strings.Contains(arg, " ") {
		return nil, nil
	}
	return &optTuple{opt: arg}, nil
}

// prefixMatches is argparse's _get_option_tuples (allow_abbrev=True).
func (p *argParser) prefixMatches(arg string) []optTuple {
	var out []optTuple
	if len(arg) > 1 && arg[1] == '-' {
		prefix, val, hasVal := strings.Cut(arg, "=")
		for _, a := range p.actions {
			if a.option != "" && strings.HasPrefix(a.option, prefix) {
				t := optTuple{act: a, opt: a.option}
				if hasVal {
					v := val
					t.explicit = &v
				}
				out = append(out, t)
			}
		}
		return out
	}
	for _, a := range p.actions {
		if a.option == "" {
			continue
		}
		if a.option == arg[:2] {
			v := arg[2:]
			out = append(out, optTuple{act: a, opt: a.option, explicit: &v})
		} else if strings.HasPrefix(a.option, arg) {
			out = append(out, optTuple{act: a, opt: a.option})
		}
	}
	return out
}

// parseState carries one parse_known_args run.
type parseState struct {
	p           *argParser
	args        []string
	pattern     string
	opts        map[int]*optTuple
	ns          map[string]any
	extras      []string
	seen        map[*action]bool
	positionals []*action
}

// parseKnownArgs is argparse's parse_known_args. The namespace maps dest to
// a string, a []string, a bool or nil.
func (p *argParser) parseKnownArgs(args []string) (map[string]any, []string, error) {
	st := &parseState{p: p, args: args, opts: map[int]*optTuple{}, ns: map[string]any{}, seen: map[*action]bool{}}
	for _, a := range p.actions {
		if a.option == "" {
			st.positionals = append(st.positionals, a)
		}
		if _, ok := st.ns[a.dest]; !ok {
			st.ns[a.dest] = nil
		}
	}
	var pat strings.Builder
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			pat.WriteByte('-')
			pat.WriteString(strings.Repeat("A", len(args)-i-1))
			break
		}
		t, err := p.classify(args[i])
		if err != nil {
			return nil, nil, err
		}
		if t == nil {
			pat.WriteByte('A')
			continue
		}
		st.opts[i] = t
		pat.WriteByte('O')
	}
	st.pattern = pat.String()
	if err := st.run(); err != nil {
		return nil, nil, err
	}
	return st.ns, st.extras, nil
}

func (st *parseState) run() error {
	maxOpt := -1
	for i := range st.opts {
		maxOpt = max(maxOpt, i)
	}
	start := 0
	for start <= maxOpt {
		next := len(st.args)
		for i := range st.opts {
			if i >= start && i < next {
				next = i
			}
		}
		if start != next {
			end, err := st.consumePositionals(start)
			if err != nil {
				return err
			}
			if end > start {
				start = end
				continue
			}
			start = end
		}
		if _, ok := st.opts[start]; !ok {
			st.extras = append(st.extras, st.args[start:next]...)
			start = next
		}
		end, err := st.consumeOptional(start)
		if err != nil {
			return err
		}
		start = end
	}
	end, err := st.consumePositionals(start)
	if err != nil {
		return err
	}
	st.extras = append(st.extras, st.args[end:]...)
	var missing []string
	for _, a := range st.p.actions {
		if a.required && !st.seen[a] {
			missing = append(missing, a.displayName())
		}
	}
	if len(missing) > 0 {
		return &usageError{"the following arguments are required: " + strings.Join(missing, ", ")}
	}
	return nil
}

func (st *parseState) consumeOptional(start int) (int, error) {
	t := st.opts[start]
	if t.act == nil {
		st.extras = append(st.extras, st.args[start])
		return start + 1, nil
	}
	a := t.act
	if t.explicit != nil {
		if a.nargs == nargsZero {
			return 0, &usageError{fmt.Sprintf("argument %s: ignored explicit argument %s", a.option, pyjson.QuoteRepr(*t.explicit))}
		}
		return start + 1, st.take(a, []string{*t.explicit})
	}
	n := 0
	for _, c := range st.pattern[start+1:] {
		if c != 'A' {
			break
		}
		n++
	}
	switch a.nargs {
	case nargsOne:
		if n < 1 {
			return 0, &usageError{fmt.Sprintf("argument %s: expected one argument", a.option)}
		}
		n = 1
	case nargsOptional:
		n = min(n, 1)
	case nargsZero:
		n = 0
	}
	return start + 1 + n, st.take(a, st.args[start+1:start+1+n])
}

func positionalPattern(a *action) string {
	if a.nargs == nargsOptional {
		return "(-*A?-*)"
	}
	return "(-*A-*)"
}

func (st *parseState) consumePositionals(start int) (int, error) {
	rest := st.pattern[start:]
	var counts []int
	for i := len(st.positionals); i > 0; i-- {
		var re strings.Builder
		re.WriteByte('^')
		for _, a := range st.positionals[:i] {
			re.WriteString(positionalPattern(a))
		}
		if m := regexp.MustCompile(re.String()).FindStringSubmatch(rest); m != nil {
			for _, g := range m[1:] {
				counts = append(counts, len(g))
			}
			break
		}
	}
	for i, n := range counts {
		if err := st.take(st.positionals[i], st.args[start:start+n]); err != nil {
			return 0, err
		}
		start += n
	}
	st.positionals = st.positionals[len(counts):]
	return start, nil
}

// take is argparse's take_action with _get_values and _check_value.
func (st *parseState) take(a *action, args []string) error {
	st.seen[a] = true
	if a.option == "" {
		for i, s := range args {
			if s == "--" {
				args = append(append([]string{}, args[:i]...), args[i+1:]...)
				break
			}
		}
	}
	switch a.kind {
	case actStoreTrue:
		st.ns[a.dest] = true
		return nil
	case actStoreFalse:
		st.ns[a.dest] = false
		return nil
	case actVersion:
		return versionRequest{}
	}
	var vals []string
	var value any
	switch {
	case len(args) == 0 && a.nargs == nargsOptional:
		if a.option == "" || a.konst == nil {
			value = nil
		} else {
			value = *a.konst
			vals = []string{*a.konst}
		}
	case len(args) == 1 && (a.nargs == nargsOne || a.nargs == nargsOptional):
		value = args[0]
		vals = args
	default:
		value = append([]string{}, args...)
		vals = args
	}
	for _, v := range vals {
		if err := checkChoice(a, v); err != nil {
			return err
		}
	}
	st.ns[a.dest] = value
	return nil
}

// checkChoice is the AWS CLI's CLIArgParser._check_value.
func checkChoice(a *action, v string) error {
	if a.choices == nil {
		return nil
	}
	for _, c := range a.choices {
		if c == v {
			return nil
		}
	}
	msg := []string{"Invalid choice, valid choices are:\n"}
	for i := 0; i < len(a.choices); i += 2 {
		var row []string
		for _, c := range a.choices[i:min(i+2, len(a.choices))] {
			row = append(row, fmt.Sprintf("%-40s", c))
		}
		msg = append(msg, strings.Join(row, " | "))
	}
	if close := closeMatches(v, a.choices, 3, 0.8); len(close) > 0 {
		msg = append(msg, fmt.Sprintf("\n\nInvalid choice: %s, maybe you meant:\n", pyjson.QuoteRepr(v)))
		for _, c := range close {
			msg = append(msg, "  * "+c)
		}
	}
	return &usageError{fmt.Sprintf("argument %s: %s", a.displayName(), strings.Join(msg, "\n"))}
}
