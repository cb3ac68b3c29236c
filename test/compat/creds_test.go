package compat

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/sigv4"
)

func envWithKey(t *testing.T, in *servertest.Instance, k sigv4.Key) []string {
	file := filepath.Join(t.TempDir(), "credentials")
	if err := sigv4.WriteCredentialsFile(file, k); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, e := range in.Env(t) {
		if !strings.HasPrefix(e, "AWS_SHARED_CREDENTIALS_FILE=") {
			env = append(env, e)
		}
	}
	return append(env, "AWS_SHARED_CREDENTIALS_FILE="+file)
}

func wrongSecretEnv(t *testing.T, in *servertest.Instance) []string {
	k := in.Key
	k.SecretAccessKey = "wrong" + k.SecretAccessKey[5:]
	return envWithKey(t, in, k)
}

func unknownKeyEnv(t *testing.T, in *servertest.Instance) []string {
	return envWithKey(t, in, sigv4.GenerateKey("default"))
}
