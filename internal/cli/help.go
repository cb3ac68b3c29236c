package cli

import (
	"fmt"
	"io"
	"strings"
)

// globalOptionHelp lists the global options with one-line descriptions.
var globalOptionHelp = [][2]string{
	{"--debug", "Turn on debug logging (client access tokens and signatures are redacted)."},
	{"--endpoint-url <value>", "Override command's default URL with the given URL."},
	{"--no-verify-ssl", "Do not verify SSL certificates."},
	{"--no-paginate", "Disable automatic pagination (accepted; these commands do not paginate)."},
	{"--output <value>", "The formatting style for command output: json, text or table."},
	{"--query <value>", "A JMESPath query to use in filtering the response data."},
	{"--profile <value>", "Use a specific profile from your credential file."},
	{"--region <value>", "The region to use. Overrides config/env settings."},
	{"--version", "Display the version of this tool."},
	{"--color <value>", "Turn on/off color output: on, off or auto."},
	{"--no-sign-request", "Do not sign requests. Credentials will not be loaded."},
	{"--ca-bundle <value>", "The CA certificate bundle to use when verifying SSL certificates."},
	{"--cli-read-timeout <value>", "The maximum socket read time in seconds; 0 blocks. Default 60."},
	{"--cli-connect-timeout <value>", "The maximum socket connect time in seconds; 0 blocks. Default 60."},
}

// writeMainHelp is the help for tunnelctl itself (aws iotsecuretunneling).
func writeMainHelp(w io.Writer) {
	fmt.Fprintf(w, "tunnelctl - the aws iotsecuretunneling command line\n\n")
	fmt.Fprintf(w, "USAGE\n  tunnelctl [options] <command> [parameters]\n  tunnelctl <command> help\n\n")
	fmt.Fprintf(w, "COMMANDS\n")
	for _, op := range operations {
		fmt.Fprintf(w, "  %-28s %s\n", op.command, firstSentence(op.summary))
	}
	fmt.Fprintf(w, "\nCONNECT TO A THING (tunnelctl's own)\n")
	fmt.Fprintf(w, "  %-28s %s\n", "ssh [user@]THING [ssh args]", "Open a tunnel, wait for the thing's agent, run ssh through it, close it.")
	fmt.Fprintf(w, "  %-28s %s\n", "port-forward THING SVC PORT", "Open a tunnel and forward 127.0.0.1:PORT to service SVC until Ctrl-C.")
	fmt.Fprintf(w, "  %-28s %s\n", "", "Options before THING: --wait 60s, --keep, --service SSH (ssh),")
	fmt.Fprintf(w, "  %-28s %s\n", "", "--ssh-program ssh, --bind 127.0.0.1 (port-forward), --data-endpoint URL.")
	fmt.Fprintf(w, "\nGLOBAL OPTIONS\n")
	writeGlobalHelp(w)
}

func writeGlobalHelp(w io.Writer) {
	for _, o := range globalOptionHelp {
		fmt.Fprintf(w, "  %-30s %s\n", o[0], o[1])
	}
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// writeOperationHelp is the help for one command: synopsis, parameters
// with their shorthand and JSON syntax, and the output members.
func writeOperationHelp(w io.Writer, op *operation) {
	fmt.Fprintf(w, "%s\n\n  %s\n\nSYNOPSIS\n  %s\n", op.command, op.summary, op.command)
	for _, a := range argTable(op) {
		arg := a.cliName()
		if a.act.nargs != nargsZero {
			arg += " <value>"
		}
		if a.act.required {
			fmt.Fprintf(w, "    %s\n", arg)
		} else {
			fmt.Fprintf(w, "    [%s]\n", arg)
		}
	}
	fmt.Fprintf(w, "\nOPTIONS\n")
	for _, m := range op.input.members {
		fmt.Fprintf(w, "  --%s (%s)\n", xformName(m.name), m.shape.typ)
		if len(m.shape.enum) > 0 {
			fmt.Fprintf(w, "      Possible values: %s\n", strings.Join(m.shape.enum, ", "))
		}
		if supportsShorthand(m.shape) {
			fmt.Fprintf(w, "      Shorthand Syntax:\n        %s\n", shorthandDoc(m.shape))
			fmt.Fprintf(w, "      JSON Syntax:\n%s\n", indentLines(jsonDoc(m.shape, 0), "        "))
		}
	}
	fmt.Fprintf(w, "  --cli-input-json (string) Perform the operation from a JSON document (string or file://).\n")
	fmt.Fprintf(w, "  --generate-cli-skeleton (string) Print an input skeleton, or with \"output\" a sample response.\n")
	fmt.Fprintf(w, "\nGLOBAL OPTIONS\n")
	writeGlobalHelp(w)
	fmt.Fprintf(w, "\nOUTPUT\n")
	if len(op.output.members) == 0 {
		fmt.Fprintf(w, "  None\n")
	}
	for _, m := range op.output.members {
		writeOutputMember(w, m, "  ")
	}
}

func writeOutputMember(w io.Writer, m member, indent string) {
	fmt.Fprintf(w, "%s%s -> (%s)\n", indent, m.name, m.shape.typ)
	s := m.shape
	if s.typ == typeList {
		s = s.member
	}
	for _, sub := range s.members {
		writeOutputMember(w, sub, indent+"  ")
	}
}

// shorthandDoc is the AWS CLI's shorthand example for a parameter.
func shorthandDoc(s *shape) string {
	if s.typ == typeList {
		return shorthandStruct(s.member) + " ..."
	}
	return shorthandStruct(s)
}

func shorthandStruct(s *shape) string {
	parts := make([]string, 0, len(s.members))
	for _, m := range s.members {
		v := m.shape.typ
		if m.shape.typ == typeList {
			v = m.shape.member.typ + "," + m.shape.member.typ
		}
		parts = append(parts, m.name+"="+v)
	}
	return strings.Join(parts, ",")
}

func jsonDoc(s *shape, level int) string {
	pad := strings.Repeat("  ", level)
	switch s.typ {
	case typeStructure:
		lines := make([]string, 0, len(s.members))
		for _, m := range s.members {
			lines = append(lines, pad+"  \""+m.name+"\": "+strings.TrimLeft(jsonDoc(m.shape, level+1), " "))
		}
		return pad + "{\n" + strings.Join(lines, ",\n") + "\n" + pad + "}"
	case typeList:
		if s.member.typ == typeStructure {
			return pad + "[\n" + jsonDoc(s.member, level+1) + "\n" + pad + "  ...\n" + pad + "]"
		}
		return pad + "[\"" + s.member.typ + "\", ...]"
	case typeString:
		if len(s.enum) > 0 {
			return pad + "\"" + strings.Join(s.enum, "\"|\"") + "\""
		}
		return pad + "\"string\""
	}
	return pad + s.typ
}

func indentLines(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n")
}
