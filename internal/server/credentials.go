package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/adit-project/adit/internal/sigv4"
)

// Credentials describes the access keys a server accepts.
type Credentials struct {
	// Source says where the keys came from: a file path, "environment" or
	// "any" (accept-any-credentials mode).
	Source string
	// Generated is set when the keys were created on this start.
	Generated bool
	// Keys are the accepted keys, by access key id (nil in "any" mode).
	Keys sigv4.StaticKeys
	// File is the generated or configured credentials file, if any.
	File string

	verifier authVerifier
}

// authVerifier adapts sigv4.Verifier to the API's Authenticator contract.
type authVerifier struct{ v *sigv4.Verifier }

func (a authVerifier) Verify(r *http.Request, body []byte) (string, error) {
	id, err := a.v.Verify(r, body)
	if err != nil {
		var e *sigv4.Error
		if errors.As(err, &e) {
			return "", authError{e}
		}
		return "", err
	}
	markAuthenticated(r.Context()) // the connection no longer counts against the cap
	return id.AccessKeyID, nil
}

// authError exposes a SigV4 rejection as an AWS error code and status.
type authError struct{ e *sigv4.Error }

func (a authError) Error() string        { return a.e.Message }
func (a authError) AWSErrorCode() string { return a.e.Code }
func (a authError) HTTPStatus() int      { return a.e.Status }

// loadCredentials picks the key source in order: accept-any mode, the
// credentials file, the admin key from the environment, then
// <data-dir>/credentials, which is generated (mode 0600) on first start.
func loadCredentials(cfg *Config, log *slog.Logger) (Credentials, error) {
	c, err := pickCredentials(cfg, log)
	if err != nil {
		return c, err
	}
	vcfg := sigv4.Config{Keys: c.Keys, Region: cfg.Region, AcceptAnyCredentials: cfg.AcceptAnyCredentials}
	if cfg.AcceptAnyCredentials {
		vcfg.Keys = sigv4.StaticKeys{}
	}
	v, err := sigv4.New(vcfg)
	if err != nil {
		return c, fmt.Errorf("build sigv4 verifier: %w", err)
	}
	c.verifier = authVerifier{v}
	return c, nil
}

func pickCredentials(cfg *Config, log *slog.Logger) (Credentials, error) {
	switch {
	case cfg.AcceptAnyCredentials:
		log.Warn("accept-any-credentials is on: any well-formed SigV4 signature is accepted without checking its secret; use only for local development")
		return Credentials{Source: "any"}, nil
	case cfg.CredentialsFile != "":
		keys, err := sigv4.LoadCredentialsFile(cfg.CredentialsFile)
		if err != nil {
			return Credentials{}, fmt.Errorf("load credentials: %w", err)
		}
		return Credentials{Source: cfg.CredentialsFile, Keys: keys, File: cfg.CredentialsFile}, nil
	case cfg.AdminAccessKeyID != "":
		k := sigv4.Key{AccessKeyID: cfg.AdminAccessKeyID, SecretAccessKey: cfg.AdminSecretAccessKey, Name: "admin"}
		return Credentials{Source: "environment", Keys: sigv4.StaticKeys{k.AccessKeyID: k}}, nil
	}
	path := filepath.Join(cfg.DataDir, "credentials")
	keys, err := sigv4.LoadCredentialsFile(path)
	if err == nil {
		return Credentials{Source: path, Keys: keys, File: path}, nil
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
		return Credentials{}, fmt.Errorf("load credentials: %w", err)
	}
	k := sigv4.GenerateKey("default")
	if err := sigv4.WriteCredentialsFile(path, k); err != nil {
		return Credentials{}, fmt.Errorf("write generated credentials: %w", err)
	}
	log.Info("generated an admin access key on first start; use it with the AWS CLI by exporting "+
		"AWS_SHARED_CREDENTIALS_FILE=<file> (profile default), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from that file",
		"credentials_file", path, "access_key_id", k.AccessKeyID)
	return Credentials{Source: path, Keys: sigv4.StaticKeys{k.AccessKeyID: k}, File: path, Generated: true}, nil
}
