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
	"bytes"
	"reflect"
	"strings"
	"testing"
	"text/template"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestSplitByScope(t *testing.T) {
	scopes := map[string]bool{"/namespaces": true, "/secrets": false, "/events": false, "events.k8s.io/events": false,
		"g/clusterthings": true, "g/things": false}
	scope := func(group, resource string) (bool, error) {
		resource, _, _ = strings.Cut(resource, "/")
		return scopes[group+"/"+resource], nil
	}
	cases := []struct {
		reason              string
		in                  []rbacv1.PolicyRule
		cluster, namespaced []rbacv1.PolicyRule
	}{
		{
			reason:     "a rule over both scopes is split, keeping its verbs",
			in:         []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces", "secrets"}, Verbs: []string{"get", "list"}}},
			cluster:    []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list"}}},
			namespaced: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}},
		},
		{
			reason:     "a subresource has its resource's scope",
			in:         []rbacv1.PolicyRule{{APIGroups: []string{"g"}, Resources: []string{"clusterthings/status", "things/status"}, Verbs: []string{"patch"}}},
			cluster:    []rbacv1.PolicyRule{{APIGroups: []string{"g"}, Resources: []string{"clusterthings/status"}, Verbs: []string{"patch"}}},
			namespaced: []rbacv1.PolicyRule{{APIGroups: []string{"g"}, Resources: []string{"things/status"}, Verbs: []string{"patch"}}},
		},
		{
			reason:     "groups of one rule stay together when their resources share a scope",
			in:         []rbacv1.PolicyRule{{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create"}}},
			namespaced: []rbacv1.PolicyRule{{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create"}}},
		},
		{
			reason:  "non-resource URLs are cluster-wide",
			in:      []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
			cluster: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
		},
	}
	for _, c := range cases {
		cluster, namespaced, err := splitByScope(c.in, scope)
		if err != nil {
			t.Fatalf("%s: %v", c.reason, err)
		}
		if !reflect.DeepEqual(cluster, c.cluster) || !reflect.DeepEqual(namespaced, c.namespaced) {
			t.Errorf("%s: got cluster %v, namespaced %v; want %v, %v", c.reason, cluster, namespaced, c.cluster, c.namespaced)
		}
	}
}

func TestSelectRules(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create", "get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"namespaces", "secrets"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}
	got := selectRules(rules, func(group, resource string) bool {
		return group == "" && (resource == "secrets" || resource == "configmaps")
	}, readVerbs)
	want := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSplitImage(t *testing.T) {
	for _, c := range []struct{ image, repo, tag string }{
		{"apig-operator:latest", "apig-operator", "latest"},
		{"registry.example.com:5000/team/apig-operator:v0.2.0", "registry.example.com:5000/team/apig-operator", "v0.2.0"},
		{"registry.example.com:5000/apig-operator", "registry.example.com:5000/apig-operator", "latest"},
	} {
		repo, tag, err := splitImage(c.image)
		if err != nil || repo != c.repo || tag != c.tag {
			t.Errorf("splitImage(%q) = %q, %q, %v; want %q, %q", c.image, repo, tag, err, c.repo, c.tag)
		}
	}
	if _, _, err := splitImage("apig-operator@sha256:0123"); err == nil {
		t.Error("a digest: want an error")
	}
}

// Text that looks like a template action, as Prometheus alerts and Grafana legends have,
// renders as itself.
func TestEscapeTemplate(t *testing.T) {
	const text = "summary: failing in {{ $labels.namespace }}\nlegend: '{{gateway}} {{{x}}}'\n"
	tmpl, err := template.New("t").Parse(string(escapeTemplate([]byte(text))))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != text {
		t.Errorf("rendered %q, want %q", out.String(), text)
	}
}

func TestCRDTemplate(t *testing.T) {
	obj := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "things.g", "annotations": map[string]any{"controller-gen.kubebuilder.io/version": "v0"},
			"labels": map[string]any{"app.kubernetes.io/name": "apig-operator", "team": "a"}},
		"spec": map[string]any{"group": "g", "description": "{{ not an action }}"},
	}
	got, err := crdTemplate(obj)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"{{- if .Values.crd.enable }}\n",
		"    {{- if .Values.crd.keep }}\n    helm.sh/resource-policy: keep\n    {{- end }}\n",
		"  labels:\n    {{- include \"chart.labels\" . | nindent 4 }}\n    team: a\n",
		`{{ "{{" }} not an action }}`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the template lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "app.kubernetes.io/name") {
		t.Errorf("the template repeats a label chart.labels sets:\n%s", got)
	}
}
