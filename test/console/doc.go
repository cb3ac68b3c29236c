// Package console tests tunneld's web console in a real headless Chromium
// (Debian's chromium, driven by chromedp) against a real tunneld, a
// tunnelagent and an OpenSSH sshd on loopback. The tests skip when
// Chromium or OpenSSH is missing, and fail instead when CI=true
// (scripts/test.sh installs them).
//
// Screenshots go to $ADIT_TEST_ARTIFACTS/console when that variable is set,
// else to a temporary directory named in the test log. With
// ADIT_UPDATE_SCREENSHOTS=1 the README's screenshots under docs/img are
// rewritten too.
package console
