package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the AWS CLI v1.
const (
	exitOK    = 0
	exitUsage = 2   // argparse errors
	exitError = 255 // everything else
	exitInt   = 130 // interrupted (128 + SIGINT)
)

const cliV2Note = "Note: AWS CLI version 2, the latest major version of the AWS CLI, is now stable and recommended for general use. For more information, see the AWS CLI version 2 installation instructions at: https://docs.aws.amazon.com/cli/latest/userguide/install-cliv2.html"

// usageText is the AWS CLI's USAGE string. It starts with a carriage return
// and names "aws" on purpose: tunnelctl prints exactly what aws prints.
const usageText = "\r" + cliV2Note + "\n\n" +
	"usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n" +
	"To see help text, you can run:\n\n" +
	"  aws help\n" +
	"  aws <command> help\n" +
	"  aws <command> <subcommand> help\n"

// unknownOptionsError is the AWS CLI's UnknownArgumentError (exit 255).
type unknownOptionsError struct{ options []string }

func (e *unknownOptionsError) Error() string {
	return "Unknown options: " + strings.Join(e.options, ", ")
}

// plainError is printed without the leading blank line, as the AWS CLI does
// for missing regions and credentials.
type plainError struct{ msg string }

func (e *plainError) Error() string { return e.msg }

// paramError is the AWS CLI's ParamError.
func paramError(cliName, msg string) error {
	return fmt.Errorf("Error parsing parameter '%s': %s", cliName, msg)
}

// report writes err the way the AWS CLI's main() does and returns the exit
// status.
func report(stderr io.Writer, err error) int {
	var ue *usageError
	var uo *unknownOptionsError
	var pe *plainError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "usage: %saws: error: %s\n", usageText, ue.msg)
		return exitUsage
	case errors.As(err, &uo):
		fmt.Fprintf(stderr, "usage: %s\n%s\n", usageText, uo.Error())
		return exitError
	case errors.As(err, &pe):
		fmt.Fprintf(stderr, "%s\n", pe.msg)
		return exitError
	}
	// Three writes, as write_exception does (colorama resets after each).
	for _, part := range []string{"\n", err.Error(), "\n"} {
		io.WriteString(stderr, part)
	}
	return exitError
}
