// Package deps checks the dependency rules of the binaries: device-side
// programs link no server code and no database driver, and every package
// has a package comment.
package deps
