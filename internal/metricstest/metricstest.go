// Package metricstest renders Prometheus collectors and scrapes as text and
// metric families, for tests. Only _test.go files import it.
package metricstest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Text gathers cs through a pedantic registry (which fails when a
// collector emits what it did not describe, or a series twice) and
// returns the text exposition format, as /metrics would serve it.
func Text(t testing.TB, cs ...prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatalf("metricstest: register collector: %v", err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("metricstest: gather: %v", err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("metricstest: encode %s: %v", mf.GetName(), err)
		}
	}
	return b.String()
}

// Parse reads a text exposition (a /metrics body) into its metric
// families by name; a body that does not parse fails the test.
func Parse(t testing.TB, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("metricstest: parse exposition: %v", err)
	}
	return mfs
}

// ParseString is Parse of a string.
func ParseString(t testing.TB, s string) map[string]*dto.MetricFamily {
	t.Helper()
	return Parse(t, strings.NewReader(s))
}
