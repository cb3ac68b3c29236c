package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

const dashboardPath = "../../docs/grafana-dashboard.json"

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Inputs        []struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		PluginID string `json:"pluginId"`
	} `json:"__inputs"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string     `json:"name"`
			Datasource datasource `json:"datasource"`
			Definition string     `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	GridPos    struct{ H, W, X, Y int }
	Targets    []struct {
		Expr       string     `json:"expr"`
		RefID      string     `json:"refId"`
		Datasource datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

const dsUID = "${DS_PROMETHEUS}"

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardPath, err)
	}
	return d
}

// graphs returns the dashboard's panels other than rows, rows' children
// included.
func (d dashboard) graphs() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

// exprs returns every PromQL expression of the dashboard, the instance
// variable's query included.
func (d dashboard) exprs() []string {
	var out []string
	for _, p := range d.graphs() {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := strings.CutPrefix(v.Definition, "label_values("); ok {
			out = append(out, strings.TrimSpace(strings.SplitN(q, ",", 2)[0]))
		}
	}
	return out
}

// TestDashboardIsImportable checks what Grafana's import needs: the
// datasource input every panel and query uses, schema version, unique
// panel ids inside the 24-column grid, and the panels the operators' guide
// promises.
func TestDashboardIsImportable(t *testing.T) {
	d := loadDashboard(t)
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion = %d, want 36 or later", d.SchemaVersion)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].Type != "datasource" || d.Inputs[0].PluginID != "prometheus" {
		t.Errorf("__inputs = %+v, want one prometheus datasource DS_PROMETHEUS", d.Inputs)
	}
	ids := map[int]bool{}
	var titles []string
	for _, p := range d.graphs() {
		titles = append(titles, p.Title)
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("panel %q: id %d is zero or used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource == nil || p.Datasource.UID != dsUID {
			t.Errorf("panel %q: datasource %+v, want uid %s", p.Title, p.Datasource, dsUID)
		}
		if p.GridPos.W < 1 || p.GridPos.H < 1 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" || tg.Datasource.UID != dsUID {
				t.Errorf("panel %q: query %+v lacks an expression, a refId or the datasource", p.Title, tg)
			}
		}
	}
	for _, want := range []string{"API request rate by operation", "API error rate by code", "API latency p50 / p99",
		"Connected peers and tunnels", "Relay throughput", "Handshake latency", "Handshakes accepted and rejected",
		"Store latency p99 by operation", "MQTT publishes and failures", "Go memory", "Goroutines and threads",
		"Process RSS", "Open file descriptors"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no panel %q", want)
		}
	}
}

var (
	metricName = regexp.MustCompile(`\b(?:adit|go|process)_[a-zA-Z0-9_]+\b`)
	matchers   = regexp.MustCompile(`\{([^}]*)\}`)
	grouping   = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	labelName  = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
)

// family returns the family a series name in a query belongs to: the
// name itself, or a histogram's or summary's family for the _bucket,
// _sum and _count series.
func family(mfs map[string]*dto.MetricFamily, name string) *dto.MetricFamily {
	if mf := mfs[name]; mf != nil {
		return mf
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			mf := mfs[base]
			if mf != nil && (mf.GetType() == dto.MetricType_HISTOGRAM || suffix != "_bucket" && mf.GetType() == dto.MetricType_SUMMARY) {
				return mf
			}
		}
	}
	return nil
}

// TestDashboardNamesExposedSeries scrapes a running tunneld and checks
// that every series a dashboard query names is exposed, and that every
// label the query matches or groups by is a label of one of them (le and
// the instance label Prometheus adds aside).
func TestDashboardNamesExposedSeries(t *testing.T) {
	d := loadDashboard(t)
	in := startServer(t)
	drive(t, in)
	mfs := scrape(t, in)
	for _, e := range d.exprs() {
		names := metricName.FindAllString(e, -1)
		if len(names) == 0 {
			t.Errorf("query %q names no adit, go or process series", e)
		}
		known := map[string]bool{"le": true, "instance": true}
		for _, n := range names {
			mf := family(mfs, n)
			if mf == nil {
				t.Errorf("query %q: %s is not exposed", e, n)
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					known[l.GetName()] = true
				}
			}
		}
		var used []string
		for _, g := range matchers.FindAllStringSubmatch(e, -1) {
			for _, m := range strings.Split(g[1], ",") {
				if l := labelName.FindStringSubmatch(m); l != nil {
					used = append(used, l[1])
				}
			}
		}
		for _, g := range grouping.FindAllStringSubmatch(e, -1) {
			for _, l := range strings.Split(g[1], ",") {
				used = append(used, strings.TrimSpace(l))
			}
		}
		for _, l := range used {
			if !known[l] {
				t.Errorf("query %q uses label %q, which none of its series has", e, l)
			}
		}
	}
}
