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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// The files of config/prometheus, relative to the repository's root.
const (
	RuleFile       = "config/prometheus/rules/apig-operator.rules.yaml"
	RuleTestFile   = "config/prometheus/rules/apig-operator.rules_test.yaml"
	PrometheusRule = "config/prometheus/rules.yaml"
	Dashboard      = "config/prometheus/dashboard/apig-operator.json"
	Docs           = "docs/monitoring.md"
)

// Rules is a Prometheus rule file, or a PrometheusRule's spec.
type Rules struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []Rule `json:"rules"`
	} `json:"groups"`
}

// Rule is an alerting or recording rule.
type Rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ReadRules reads a rule file.
func ReadRules(path string) (Rules, error) {
	var r Rules
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

// Query is a PromQL expression of the dashboard and where it is.
type Query struct {
	Where string
	Expr  string
}

// dashboard is what the checks read of a Grafana dashboard.
type dashboard struct {
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *datasource     `json:"datasource"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's, when collapsed
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func readDashboard(path string) (dashboard, error) {
	var d dashboard
	data, err := os.ReadFile(path)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("read %s: %w", path, err)
	}
	return d, nil
}

// allPanels lists the panels, those in rows included.
func (d dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// labelValues is the query of a Grafana query variable: label_values(<selector>, <label>).
var labelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)

// DashboardQueries reads every PromQL expression of a dashboard: panel targets, and the
// selectors of its query variables.
func DashboardQueries(path string) ([]Query, error) {
	d, err := readDashboard(path)
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, err := variableQuery(v)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		out = append(out, Query{Where: "variable " + v.Name, Expr: q})
	}
	for _, p := range d.allPanels() {
		for _, t := range p.Targets {
			out = append(out, Query{Where: fmt.Sprintf("panel %q, query %s", p.Title, t.RefID), Expr: t.Expr})
		}
	}
	return out, nil
}

// variableQuery is the selector of a query variable's label_values(...); its query is a string
// or, in newer Grafana, an object with the string in query.
func variableQuery(v variable) (string, error) {
	var q string
	if err := json.Unmarshal(v.Query, &q); err != nil {
		var obj struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &obj); err != nil {
			return "", err
		}
		q = obj.Query
	}
	m := labelValues.FindStringSubmatch(q)
	if m == nil {
		return "", fmt.Errorf("the query %q is not label_values(<selector>, <label>)", q)
	}
	return m[1], nil
}

// UsedNames maps each metric name the rule file and the dashboard under root select to where.
func UsedNames(root string) (map[string][]string, error) {
	used := map[string][]string{}
	rules, err := ReadRules(filepath.Join(root, RuleFile))
	if err != nil {
		return nil, err
	}
	var queries []Query
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			queries = append(queries, Query{Where: "rule " + r.Alert + r.Record, Expr: r.Expr})
		}
	}
	dq, err := DashboardQueries(filepath.Join(root, Dashboard))
	if err != nil {
		return nil, err
	}
	for _, q := range append(queries, dq...) {
		sels, err := Selectors(q.Expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Where, err)
		}
		for _, s := range sels {
			used[s.Name] = append(used[s.Name], q.Where)
		}
	}
	return used, nil
}

// Families reads the metric families of a Prometheus text exposition and their types, from
// its # TYPE lines. A vector without series has no such line: it is not exported.
func Families(exposition string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(exposition, "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			out[f[2]] = f[3]
		}
	}
	return out
}

// Exported reports whether the metric name is in families: a family itself, or a series of a
// histogram (_bucket, _sum, _count) or summary (_sum, _count).
func Exported(name string, families map[string]string) bool {
	if _, ok := families[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		switch families[base] {
		case "histogram":
			return true
		case "summary":
			return suffix != "_bucket"
		}
	}
	return false
}

// Missing lists, sorted, the names of used that families does not export, each with where it
// is used.
func Missing(used map[string][]string, families map[string]string) []string {
	var out []string
	for name, where := range used {
		if !Exported(name, families) {
			out = append(out, name+" (used by "+strings.Join(slices.Compact(slices.Sorted(slices.Values(where))), "; ")+")")
		}
	}
	sort.Strings(out)
	return out
}
