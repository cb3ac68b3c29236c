// Package cli implements tunnelctl, a drop-in replacement for the
// "aws iotsecuretunneling" command of the AWS CLI v1: the same commands and
// options, the same parameter syntax (shorthand, JSON, file://), and output,
// error messages and exit statuses identical byte for byte.
//
// tunnelctl <command> behaves like aws iotsecuretunneling <command>; usage
// errors even print the AWS CLI's usage text (which names "aws") so that
// scripts and their tests see exactly the same bytes.
//
// The pipeline mirrors the AWS CLI: three argparse passes (globals, service,
// operation), parameter unpacking (paramfile, shorthand, JSON), botocore
// parameter validation, a SigV4-signed JSON 1.1 request with legacy retries,
// model-driven response parsing, then the --query and the json, text or
// table formatter. Python-compatible JSON values live in package pyjson and
// the JMESPath engine in package jmespath.
//
// # Extension commands
//
// tunnelctl ssh [options] [user@]THING [ssh arguments] and tunnelctl
// port-forward [options] THING SERVICE LOCALPORT are tunnelctl's own (see
// connect.go): they open a tunnel to the thing with the usual credentials,
// profile, region and endpoint, wait for DescribeTunnel to show the
// destination CONNECTED, then run ssh with ProxyCommand "tunnelctl
// __stdio-proxy SERVICE" (a source proxy over stdio, package localproxy)
// or a source proxy on a local port, and close the tunnel afterwards.
//
// # Known differences from aws
//
//   - --version prints tunnelctl's version line; help is tunnelctl's own
//     concise text (not the AWS CLI man page).
//   - --debug logs in the AWS CLI's format but far fewer lines, and redacts
//     client access tokens, signatures and session tokens, which the AWS
//     CLI prints.
//   - --generate-cli-skeleton input fills the clientMode enum with its first
//     value; botocore picks one at random.
//   - --v2-debug is accepted but prints no AWS CLI v2 migration warnings.
//   - SSL failure messages follow the AWS CLI's wording but carry Go's
//     certificate error text.
//   - Integers beyond 64 bits (in JSON, from to_number(), ceil() or
//     floor()) become floats; Python keeps them exact.
//   - merge() with key/value pairs whose keys are not strings makes string
//     keys of them at once (Python keeps 1 and "1" apart until printing).
//   - An expression reference prints with a made-up 12-digit address.
//   - Profile settings are read from [default] and [profile x] sections;
//     "services" sections and nested sub-settings are ignored.
package cli
