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
	"reflect"
	"testing"
)

func TestSelectors(t *testing.T) {
	for _, tc := range []struct {
		reason string
		expr   string
		want   []Selector
	}{
		{"a bare name", `up`, []Selector{{Name: "up"}}},
		{"matchers are not names, even with a function's name or braces in a string",
			`workqueue_depth{name="rate(x)", other=~"a}b"}`, []Selector{{Name: "workqueue_depth"}}},
		{"the innermost function of a counter", `sum by (controller) (rate(controller_runtime_reconcile_total{a="b"}[5m]))`,
			[]Selector{{Name: "controller_runtime_reconcile_total", In: "rate"}}},
		{"an aggregation with its grouping after", `sum(increase(x_total[1h])) without (pod)`,
			[]Selector{{Name: "x_total", In: "increase"}}},
		{"a histogram quantile",
			`histogram_quantile(0.99, sum by (operation, le) (rate(apig_gateway_call_duration_seconds_bucket[$__rate_interval])))`,
			[]Selector{{Name: "apig_gateway_call_duration_seconds_bucket", In: "rate"}}},
		{"a ratio with binary keywords and a vector matching list",
			`sum by (g) (rate(a_total{code=~"429|APIG\\.0308"}[10m])) / on (g) group_left (x) sum by (g) (rate(b_total[10m])) > bool 0.1`,
			[]Selector{{Name: "a_total", In: "rate"}, {Name: "b_total", In: "rate"}}},
		{"absent, or, and a comparison", "(max by (namespace) (leader_election_master_status{name=\"l\"}) < 1)\n  or\nabsent(leader_election_master_status)",
			[]Selector{{Name: "leader_election_master_status", In: "max"}, {Name: "leader_election_master_status", In: "absent"}}},
		{"a raw counter in plain parentheses", `(x_total)`, []Selector{{Name: "x_total"}}},
		{"numbers, durations, offsets and Grafana variables", `60 * rate(x_total[${__rate_interval}] offset 1h30m) + 1e3 + 0x1f + $var`,
			[]Selector{{Name: "x_total", In: "rate"}}},
		{"a topk's parameter", `topk(5, rate(x_total[5m]))`, []Selector{{Name: "x_total", In: "rate"}}},
		{"a recording rule's name", `job:x_total:rate5m`, []Selector{{Name: "job:x_total:rate5m"}}},
		{"a comment", "rate(x_total[5m]) # not_a_metric", []Selector{{Name: "x_total", In: "rate"}}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			got, err := Selectors(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Selectors(%q) = %+v, want %+v", tc.expr, got, tc.want)
			}
		})
	}
}

func TestSelectorsRejects(t *testing.T) {
	for _, tc := range []struct{ reason, expr string }{
		{"a selector without a name cannot be checked", `{__name__="up"}`},
		{"an unclosed parenthesis", `sum(rate(x[5m])`},
		{"an extra parenthesis", `rate(x[5m]))`},
		{"an unclosed string", `x{a="b}`},
		{"unclosed braces", `x{a="b"`},
		{"an unclosed range", `rate(x[5m)`},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			if got, err := Selectors(tc.expr); err == nil {
				t.Errorf("Selectors(%q) = %+v, want an error", tc.expr, got)
			}
		})
	}
}

func TestExported(t *testing.T) {
	families := Families(`# HELP a_total A.
# TYPE a_total counter
a_total{x="1"} 1
# TYPE h histogram
h_bucket{le="+Inf"} 1
h_sum 1
h_count 1
# TYPE s summary
s_sum 1
s_count 1
`)
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"a_total", true}, {"h", true}, {"h_bucket", true}, {"h_sum", true}, {"h_count", true},
		{"s_sum", true}, {"s_count", true}, {"s_bucket", false}, {"a", false}, {"a_total_count", false}, {"missing", false},
	} {
		if got := Exported(tc.name, families); got != tc.want {
			t.Errorf("Exported(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	missing := Missing(map[string][]string{"h_bucket": {"rule A"}, "nope": {"panel B", "rule A", "panel B"}}, families)
	if want := []string{"nope (used by panel B; rule A)"}; !reflect.DeepEqual(missing, want) {
		t.Errorf("Missing = %q, want %q", missing, want)
	}
}
