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
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Placeholders of a namespaced object's metadata, replaced with template actions.
const (
	namePlaceholder      = "chartgen-name-placeholder"
	namespacePlaceholder = "chartgen-namespace-placeholder"
)

// prometheusTemplates makes a template of every object kustomize builds from config/prometheus
// but its ServiceMonitor, which the hand-written templates/prometheus/monitor.yaml renders for
// HTTPS or HTTP metrics: the alerting rules and the Grafana dashboard, rendered with
// prometheus.enable, named after the release, in its namespace.
func prometheusTemplates(kustomize, root string) (map[string][]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", filepath.Join(root, "config", "prometheus"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kustomize build config/prometheus: %v\n%s", err, stderr.String())
	}
	files := map[string][]byte{}
	for i, doc := range bytes.Split(stdout.Bytes(), []byte("\n---\n")) {
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("kustomize build config/prometheus, object %d: %w", i+1, err)
		}
		if len(obj) == 0 || obj["kind"] == "ServiceMonitor" {
			continue
		}
		name, tmpl, err := namespacedTemplate(obj, "{{- if .Values.prometheus.enable }}\n")
		if err != nil {
			return nil, fmt.Errorf("kustomize build config/prometheus, object %d: %w", i+1, err)
		}
		if _, dup := files[name+".yaml"]; dup {
			return nil, fmt.Errorf("kustomize build config/prometheus: two objects named %s", name)
		}
		files[name+".yaml"] = tmpl
	}
	return files, nil
}

// namespacedTemplate makes obj a template that start opens and {{- end }} closes: named
// <release prefix>-<its name>, in the release namespace, labelled as the chart's objects are.
func namespacedTemplate(obj map[string]any, start string) (string, []byte, error) {
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if name == "" || meta["namespace"] == nil {
		return "", nil, fmt.Errorf("no metadata.name or metadata.namespace: chartgen takes namespaced objects only")
	}
	meta["name"] = namePlaceholder
	meta["namespace"] = namespacePlaceholder
	labels, _ := meta["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	for k := range labels {
		if chartLabel(k) {
			delete(labels, k)
		}
	}
	labels[labelsKey] = "placeholder"
	meta["labels"] = labels
	out, err := yaml.Marshal(obj)
	if err != nil {
		return "", nil, err
	}
	text := string(escapeTemplate(out))
	for _, r := range []struct{ placeholder, action string }{
		{"  name: " + namePlaceholder + "\n", "  name: {{ include \"chart.fullname\" . }}-" + name + "\n"},
		{"  namespace: " + namespacePlaceholder + "\n", "  namespace: {{ .Release.Namespace }}\n"},
		{labelsLine, labelsAction},
	} {
		if n := strings.Count(text, r.placeholder); n != 1 {
			return "", nil, fmt.Errorf("found %q %d times in the marshalled object, want once", r.placeholder, n)
		}
		text = strings.Replace(text, r.placeholder, r.action, 1)
	}
	return name, []byte(generatedMark + start + text + "{{- end }}\n"), nil
}

// chartLabel reports whether chart.labels sets the label, which an object then must not repeat.
func chartLabel(k string) bool {
	switch k {
	case "app.kubernetes.io/version", "helm.sh/chart", "app.kubernetes.io/name", "app.kubernetes.io/instance",
		"app.kubernetes.io/managed-by":
		return true
	}
	return false
}
