// Package compat holds black-box compatibility tests: a real tunneld on
// loopback driven by the installed AWS CLI v1 and boto3.
package compat
