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
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// docsURL is where the runbook_url annotations point, one section per alert.
const docsURL = "https://github.com/apig-operator/apig-operator/blob/main/" + Docs

// promtool is the binary make test installs and passes in PROMTOOL.
func promtool(t *testing.T) string {
	t.Helper()
	p := os.Getenv("PROMTOOL")
	if p == "" {
		t.Fatal(`PROMTOOL is not set: run make test, which installs promtool and sets it, or ` +
			`PROMTOOL="$(make -s promtool-path)" go test ./test/monitoring`)
	}
	return p
}

func TestPromtoolChecksTheRules(t *testing.T) {
	out, err := exec.Command(promtool(t), "check", "rules", filepath.Join(root, RuleFile)).CombinedOutput()
	t.Logf("promtool check rules:\n%s", out)
	if err != nil {
		t.Fatalf("promtool check rules %s: %v", RuleFile, err)
	}
}

func TestPromtoolRunsTheRuleTests(t *testing.T) {
	cmd := exec.Command(promtool(t), "test", "rules", filepath.Base(RuleTestFile))
	cmd.Dir = filepath.Join(root, filepath.Dir(RuleTestFile))
	out, err := cmd.CombinedOutput()
	t.Logf("promtool test rules:\n%s", out)
	if err != nil {
		t.Fatalf("promtool test rules %s: %v", RuleTestFile, err)
	}
}

// severities are the values of an alert's severity label: critical wakes someone, warning is
// a failure to look at, info is a state someone should review (drift Observe mode reports).
var severities = map[string]bool{"critical": true, "warning": true, "info": true}

// ruleTests is what the check reads of a promtool test file.
type ruleTests struct {
	Tests []struct {
		Name          string `json:"name"`
		AlertRuleTest []struct {
			Alertname string `json:"alertname"`
			ExpAlerts []any  `json:"exp_alerts"`
		} `json:"alert_rule_test"`
	} `json:"tests"`
}

func TestEveryAlertIsDocumentedAndTested(t *testing.T) {
	rules, err := ReadRules(filepath.Join(root, RuleFile))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, RuleTestFile))
	if err != nil {
		t.Fatal(err)
	}
	var tests ruleTests
	if err := yaml.Unmarshal(data, &tests); err != nil {
		t.Fatal(err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	docs, err := os.ReadFile(filepath.Join(root, Docs))
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			if s := r.Labels["severity"]; !severities[s] {
				t.Errorf("%s: severity %q, want critical, warning or info", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if want := docsURL + "#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !strings.Contains(string(docs), "\n### "+r.Alert+"\n") {
				t.Errorf("%s: %s has no section \"### %s\" for the runbook_url to point to", r.Alert, Docs, r.Alert)
			}
			if !fires[r.Alert] {
				t.Errorf("%s: no test in %s expects it to fire", r.Alert, RuleTestFile)
			}
			if !silent[r.Alert] {
				t.Errorf("%s: no test in %s expects it to stay silent", r.Alert, RuleTestFile)
			}
		}
	}
	if alerts == 0 {
		t.Fatalf("no alert in %s", RuleFile)
	}
}

// The PrometheusRule is generated from the rule file (hack/prometheusrule, make manifests);
// make verify catches a stale one too, this says what to do.
func TestThePrometheusRuleIsTheRuleFile(t *testing.T) {
	var file map[string]any
	data, err := os.ReadFile(filepath.Join(root, RuleFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var rule struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Spec       map[string]any `json:"spec"`
	}
	data, err = os.ReadFile(filepath.Join(root, PrometheusRule))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rule); err != nil {
		t.Fatal(err)
	}
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Kind != "PrometheusRule" {
		t.Errorf("%s is a %s %s, want a monitoring.coreos.com/v1 PrometheusRule", PrometheusRule, rule.APIVersion, rule.Kind)
	}
	if !reflect.DeepEqual(rule.Spec, file) {
		t.Errorf("the spec of %s is not %s: run make manifests", PrometheusRule, RuleFile)
	}
}
