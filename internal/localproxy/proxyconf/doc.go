// Package proxyconf is the command line of the reference C++ localproxy
// (docs/PROTOCOL.md §4.1, §4.2), turned into a localproxy.Config: the
// options and their short forms, the --config file of long options, the
// --config-dir INI mappings, the AWSIOT_TUNNEL_* environment variables,
// the fine-grained settings JSON (--settings-json,
// --export-default-settings), the CA options, the HTTPS proxy variables and
// the -v verbosity levels.
//
// ParseArgs does all of it: values come from the command line, then the
// --config file, then the environment. Every error it returns wraps
// localproxy.ErrInvalidConfig and says what is wrong in the reference's
// words; warnings (ignored settings, skipped configuration files) come
// back in the Invocation for the caller to log once its logger exists.
// The engine, internal/localproxy, knows nothing of flags or files.
package proxyconf
