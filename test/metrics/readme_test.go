package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

var (
	readmeName = regexp.MustCompile("`(adit_[a-z_{},]+)`")
	braces     = regexp.MustCompile(`\{([a-z_,]+)\}`)
)

// expand expands one {a,b} group of a README name: adit_x_{a,b}_total.
func expand(name string) []string {
	m := braces.FindStringSubmatchIndex(name)
	if m == nil {
		return []string{name}
	}
	var out []string
	for _, alt := range strings.Split(name[m[2]:m[3]], ",") {
		out = append(out, expand(name[:m[0]]+alt+name[m[1]:])...)
	}
	return out
}

// TestREADMEListsEverySeries: the README's Metrics section names every
// adit_ family a running tunneld exposes, and no other.
func TestREADMEListsEverySeries(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### Metrics\n")
	if !ok {
		t.Fatal("README has no Metrics section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	listed := map[string]bool{}
	for _, m := range readmeName.FindAllStringSubmatch(section, -1) {
		for _, n := range expand(m[1]) {
			listed[n] = true
		}
	}
	in := startServer(t)
	exposed := scrape(t, in)
	for name := range exposed {
		if strings.HasPrefix(name, "adit_") && !listed[name] {
			t.Errorf("README's Metrics section does not list %s", name)
		}
	}
	for name := range listed {
		if exposed[name] == nil {
			t.Errorf("README's Metrics section lists %s, which is not exposed", name)
		}
	}
}
