/*
Copyright 2026 The apig-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package monitoring

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// rated are the functions a counter, or a histogram's series, may be read through.
var rated = map[string]bool{"rate": true, "irate": true, "increase": true}

func TestTheDashboardUsesItsDatasourceVariable(t *testing.T) {
	d, err := readDashboard(filepath.Join(root, Dashboard))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range d.Templating.List {
		if v.Name == "datasource" {
			found = v.Type == "datasource" && string(v.Query) == `"prometheus"`
		} else if v.Datasource == nil || v.Datasource.UID != "${datasource}" {
			t.Errorf("variable %s does not query ${datasource}", v.Name)
		}
	}
	if !found {
		t.Errorf(`no variable "datasource" of type datasource querying "prometheus"`)
	}
	ids := map[int]string{}
	for _, p := range d.allPanels() {
		if other, ok := ids[p.ID]; ok {
			t.Errorf("panels %q and %q have the same id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use ${datasource}", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if q.Datasource == nil || q.Datasource.UID != "${datasource}" || q.Datasource.Type != "prometheus" {
				t.Errorf("panel %q, query %s does not use ${datasource}", p.Title, q.RefID)
			}
		}
	}
}

// A counter's value depends on when the manager started: panels show its rate.
func TestTheDashboardShowsRatesOfCounters(t *testing.T) {
	queries, err := DashboardQueries(filepath.Join(root, Dashboard))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		sels, err := Selectors(q.Expr)
		if err != nil {
			t.Errorf("%s: %v", q.Where, err)
			continue
		}
		if len(sels) == 0 {
			t.Errorf("%s selects no metric: %s", q.Where, q.Expr)
		}
		for _, s := range sels {
			counter := strings.HasSuffix(s.Name, "_total") || strings.HasSuffix(s.Name, "_bucket") ||
				strings.HasSuffix(s.Name, "_sum") || strings.HasSuffix(s.Name, "_count")
			if counter && !rated[s.In] && !strings.HasPrefix(q.Where, "variable ") {
				t.Errorf("%s reads the counter %s directly (in %q), not through rate or increase", q.Where, s.Name, s.In)
			}
		}
	}
}

// fqName reads a metric's name from its description.
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Every metric of the gateway boundary is on the dashboard; the end-to-end suite checks the
// other way round: that the manager exports each metric the dashboard and the rules use.
func TestTheDashboardShowsEveryGatewayMetric(t *testing.T) {
	queries, err := DashboardQueries(filepath.Join(root, Dashboard))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, q := range queries {
		sels, _ := Selectors(q.Expr)
		for _, s := range sels {
			shown[s.Name] = true
		}
	}
	for _, c := range gateway.NewMetrics().Collectors() {
		for _, name := range describe(c) {
			if !shown[name] && !shown[name+"_bucket"] && !shown[name+"_count"] {
				t.Errorf("the dashboard does not show %s", name)
			}
		}
	}
}

// describe lists the names of the metrics a collector describes.
func describe(c prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	var names []string
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}
