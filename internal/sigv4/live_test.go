package sigv4

import (
	"os"
	"os/exec"
	"testing"
)

// TestBotocoreLive regenerates the fixtures with the installed botocore and
// verifies them, so a botocore change in canonicalisation shows up here. It
// skips when python3 or botocore is missing, except under CI=true.
func TestBotocoreLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	if err := exec.Command("python3", "-c", "import botocore.auth").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with botocore is required in CI to check SigV4 against botocore: %v", err)
		}
		t.Skipf("python3 with botocore not available: %v", err)
	}
	out, err := exec.Command("python3", "testdata/gen_botocore.py").Output()
	if err != nil {
		t.Fatalf("gen_botocore.py: %v", err)
	}
	committed := map[string]fixture{}
	for _, f := range loadFixtures(t) {
		committed[f.Name] = f
	}
	for _, f := range decodeFixtures(t, out) {
		t.Run(f.Name, func(t *testing.T) {
			checkFixture(t, f)
			if c, ok := committed[f.Name]; !ok || c.Authorization != f.Authorization {
				t.Errorf("live botocore differs from testdata/botocore_fixtures.json; regenerate it with testdata/gen_botocore.py")
			}
		})
	}
}
