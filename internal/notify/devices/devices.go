// Package devices is the device identity file of tunneld's embedded MQTT
// broker (DATA-DIR/mqtt-devices.json): one entry per thing with its
// hashed password and revocation state. The broker reads it; the
// `tunneld device` subcommands edit it.
package devices

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// File is the JSON document.
type File struct {
	// Devices lists the things, one entry each.
	Devices []Device `json:"devices"`
}

// Device is one thing's identity.
type Device struct {
	// ThingName is the MQTT username and the name in the notify topic.
	ThingName string `json:"thingName"`
	// PasswordHash is the encoded PBKDF2 hash of its password; empty =
	// no password login (client certificates only).
	PasswordHash string `json:"passwordHash,omitempty"`
	// Revoked refuses every credential of the thing, certificates too.
	Revoked bool `json:"revoked,omitempty"`
	// RevokedCertificateSerials refuses these client certificates of the
	// thing (serial numbers in hex, as `openssl x509 -serial` prints).
	RevokedCertificateSerials []string `json:"revokedCertificateSerials,omitempty"`
	// Created and Updated are informational.
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// thingPattern is AWS IoT's thing-name grammar.
var thingPattern = regexp.MustCompile(`^[a-zA-Z0-9:_-]{1,128}$`)

// ValidThingName reports whether name is a valid thing name.
func ValidThingName(name string) bool { return thingPattern.MatchString(name) }

// Set is a validated File indexed by thing name. It is immutable.
type Set struct {
	byThing map[string]*Device
}

// Empty is a set without devices.
var Empty = &Set{byThing: map[string]*Device{}}

// Parse validates data and returns the set. Errors name the entry at
// fault.
func Parse(data []byte) (*Set, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a devices document: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON document")
	}
	return NewSet(f)
}

// NewSet validates f and indexes it.
func NewSet(f File) (*Set, error) {
	s := &Set{byThing: make(map[string]*Device, len(f.Devices))}
	for i := range f.Devices {
		d := f.Devices[i]
		if !ValidThingName(d.ThingName) {
			return nil, fmt.Errorf("devices[%d].thingName %q: want 1-128 of a-z A-Z 0-9 : _ -", i, d.ThingName)
		}
		if s.byThing[d.ThingName] != nil {
			return nil, fmt.Errorf("devices[%d]: thing %q is listed twice", i, d.ThingName)
		}
		if d.PasswordHash != "" {
			if _, err := parseHash(d.PasswordHash); err != nil {
				return nil, fmt.Errorf("devices[%d] (%s).passwordHash: %w", i, d.ThingName, err)
			}
		}
		for j, sn := range d.RevokedCertificateSerials {
			n, ok := NormalizeSerial(sn)
			if !ok {
				return nil, fmt.Errorf("devices[%d] (%s).revokedCertificateSerials[%d] %q: want hex digits", i, d.ThingName, j, sn)
			}
			d.RevokedCertificateSerials[j] = n
		}
		s.byThing[d.ThingName] = &d
	}
	return s, nil
}

// Lookup returns thing's entry, or nil.
func (s *Set) Lookup(thing string) *Device { return s.byThing[thing] }

// Len is the number of entries.
func (s *Set) Len() int { return len(s.byThing) }

// CertRevoked reports whether the certificate serial (hex) is revoked
// for d.
func (d *Device) CertRevoked(serial string) bool {
	for _, s := range d.RevokedCertificateSerials {
		if s == serial {
			return true
		}
	}
	return false
}

// NormalizeSerial lower-cases a hex serial and drops colons and leading
// zeros, so that "0A:1B" and "a1b" compare equal.
func NormalizeSerial(s string) (string, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, ":", ""))
	if s == "" {
		return "", false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	if s = strings.TrimLeft(s, "0"); s == "" {
		s = "0"
	}
	return s, true
}
