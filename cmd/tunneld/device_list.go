package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/adit-project/adit/internal/notify/devices"
)

// revokeCert adds a certificate serial to the thing's revoked list.
func (c *deviceCmd) revokeCert(stderr io.Writer) error {
	serial, ok := devices.NormalizeSerial(c.args[1])
	if !ok {
		return fmt.Errorf("serial %q: want hex digits (openssl x509 -noout -serial)", c.args[1])
	}
	err := c.edit(func(d *devices.Device) {
		if !d.CertRevoked(serial) {
			d.RevokedCertificateSerials = append(d.RevokedCertificateSerials, serial)
		}
	})
	if err == nil {
		fmt.Fprintf(stderr, "certificate %s of thing %s revoked\n", serial, c.args[0])
	}
	return err
}

// list prints the things without secrets.
func (c *deviceCmd) list(stdout io.Writer) error {
	f, err := devices.Read(c.path)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "THING\tSTATUS\tPASSWORD\tREVOKED-CERTS\tUPDATED")
	for _, d := range f.Devices {
		status, pw := "active", "no"
		if d.Revoked {
			status = "revoked"
		}
		if d.PasswordHash != "" {
			pw = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.ThingName, status, pw, len(d.RevokedCertificateSerials), d.Updated.Format(time.RFC3339))
	}
	return tw.Flush()
}

// withLock runs fn holding an exclusive lock on path+".lock", so that two
// device commands at once do not lose each other's change.
func withLock(path string, fn func() error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lf, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lf.Name(), err)
	}
	defer unix.Flock(int(lf.Fd()), unix.LOCK_UN)
	return fn()
}
