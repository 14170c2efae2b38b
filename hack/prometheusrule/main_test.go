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

package main

import (
	"strings"
	"testing"
)

func TestWrapIndentsTheRuleFileUnderSpec(t *testing.T) {
	src := `# About the file: dropped.

groups:
- name: g
  rules:
  # Kept.
  - alert: A
    expr: |
      up

      == 0
    annotations:
      description: >-
        folded
        text
`
	got, err := wrap("rules.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	if strings.Contains(text, "About the file") {
		t.Errorf("the rule file's leading comment was kept:\n%s", text)
	}
	for _, want := range []string{"from rules.yaml. DO NOT EDIT.", "kind: PrometheusRule\n", "spec:\n  groups:\n  - name: g\n",
		"    # Kept.\n", "      expr: |\n        up\n\n        == 0\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
}

func TestWrapRefusesWhatIsNotARuleFile(t *testing.T) {
	for _, src := range []string{"groups: []\nother: 1\n", "rules: []\n", "groups: [\n"} {
		if _, err := wrap("rules.yaml", []byte(src)); err == nil {
			t.Errorf("wrap(%q) succeeded", src)
		}
	}
}
