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
	"os"
	"path/filepath"
	"sort"

	"sigs.k8s.io/yaml"
)

// Placeholders chartgen puts into a CRD's metadata and then replaces with template actions: a
// map cannot hold an action, and the marshalled YAML places them where the keys sort.
const (
	keepKey          = "helm.sh/resource-policy"
	keepLine         = "    helm.sh/resource-policy: keep\n"
	keepAction       = "    {{- if .Values.crd.keep }}\n" + keepLine + "    {{- end }}\n"
	labelsKey        = "chartgen.apig-operator.dev/chart-labels"
	labelsLine       = "    " + labelsKey + ": placeholder\n"
	labelsAction     = "    {{- include \"chart.labels\" . | nindent 4 }}\n"
	crdTemplateStart = "{{- if .Values.crd.enable }}\n"
	crdTemplateEnd   = "{{- end }}\n"
)

// crd is one CustomResourceDefinition of config/crd/bases as a chart template.
type crd struct {
	file          string // the template's file name: <plural>.<group>.yaml
	group, plural string
	clusterScoped bool
	template      []byte
}

// crdHead is what chartgen reads of a CRD.
type crdHead struct {
	Kind string `json:"kind"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Plural string `json:"plural"`
		} `json:"names"`
		Scope string `json:"scope"`
	} `json:"spec"`
}

// crdTemplates turns every CRD in dir into a template: rendered only with crd.enable, kept
// by Helm on uninstall with crd.keep, labelled as the chart's objects are. Helm never upgrades
// files in a chart's crds/ directory, so the CRDs are templates.
func crdTemplates(dir string) ([]crd, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("no CRDs in %s: run make manifests", dir)
	}
	var crds []crd
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var head crdHead
		if err := yaml.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if head.Kind != "CustomResourceDefinition" || head.Spec.Group == "" || head.Spec.Names.Plural == "" {
			return nil, fmt.Errorf("%s: not a CustomResourceDefinition with a group and a plural", path)
		}
		// The template keeps the file's own fields: a generic object, not a typed one, which
		// would add the empty fields it does not omit.
		var obj map[string]any
		if err := yaml.Unmarshal(data, &obj); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		tmpl, err := crdTemplate(obj)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		crds = append(crds, crd{
			file:          head.Spec.Names.Plural + "." + head.Spec.Group + ".yaml",
			group:         head.Spec.Group,
			plural:        head.Spec.Names.Plural,
			clusterScoped: head.Spec.Scope == "Cluster",
			template:      tmpl,
		})
	}
	return crds, nil
}

func crdTemplate(obj map[string]any) ([]byte, error) {
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		return nil, fmt.Errorf("no metadata")
	}
	for key, value := range map[string]string{"annotations": keepKey, "labels": labelsKey} {
		m, _ := meta[key].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if _, taken := m[value]; taken {
			return nil, fmt.Errorf("metadata.%s has %s already", key, value)
		}
		if key == "labels" {
			for k := range m {
				if chartLabel(k) {
					delete(m, k)
				}
			}
		}
		m[value] = map[string]string{keepKey: "keep", labelsKey: "placeholder"}[value]
		meta[key] = m
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	out = escapeTemplate(out)
	for _, r := range []struct{ placeholder, action string }{{keepLine, keepAction}, {labelsLine, labelsAction}} {
		if n := bytes.Count(out, []byte(r.placeholder)); n != 1 {
			return nil, fmt.Errorf("found %q %d times in the marshalled CRD, want once", r.placeholder, n)
		}
		out = bytes.Replace(out, []byte(r.placeholder), []byte(r.action), 1)
	}
	return []byte(generatedMark + crdTemplateStart + string(out) + crdTemplateEnd), nil
}
