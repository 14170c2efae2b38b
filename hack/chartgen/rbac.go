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
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// The roles of config/rbac and config/components/secret-targets whose rules the chart's
// hand-written RBAC templates include, by the name of the rules template (chart.rules.<name>).
// A role bound to the manager must be here: chartgen fails on one it does not know, so a role
// added to config/rbac is not missing from the chart.
var ruleSets = map[string]string{
	"manager-role":         "manager",
	"leader-election-role": "leaderElection",
	"metrics-auth-role":    "metricsAuth",
	"metrics-reader":       "metricsReader",
	"secret-writer-role":   "secretWriter",
}

// managerAccount is the manager's ServiceAccount in config/rbac, before kustomize prefixes it.
const managerAccount = "controller-manager"

// readVerbs are what the manager does with the Secrets and ConfigMaps of ClusterApiGateways in
// the cluster-resource namespace.
var readVerbs = []string{"get", "list", "watch"}

// builtinScopes says whether a built-in resource the manager's rules may name is
// cluster-scoped, by "<group>/<resource>". The CRDs say it for the operator's own kinds.
var builtinScopes = map[string]bool{
	"/namespaces":                        true,
	"/configmaps":                        false,
	"/secrets":                           false,
	"/events":                            false,
	"/serviceaccounts":                   false,
	"/services":                          false,
	"/pods":                              false,
	"events.k8s.io/events":               false,
	"coordination.k8s.io/leases":         false,
	"apps/deployments":                   false,
	"authentication.k8s.io/tokenreviews": true,
	"authorization.k8s.io/subjectaccessreviews": true,
}

// rbacObject is the part of an RBAC object chartgen reads.
type rbacObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Rules    []rbacv1.PolicyRule `json:"rules"`
	RoleRef  rbacv1.RoleRef      `json:"roleRef"`
	Subjects []rbacv1.Subject    `json:"subjects"`
	comment  string              // the comment lines above the object in its file
	file     string
}

// rbacTemplates returns templates/rbac/_rules.tpl and a template for each editor and viewer
// role, by file name. crdScopes says which of the operator's resources are cluster-scoped, by
// "<group>/<plural>".
func rbacTemplates(root string, crdScopes map[string]bool) (map[string][]byte, error) {
	var objs []rbacObject
	for _, dir := range []string{filepath.Join(root, "config", "rbac"), filepath.Join(root, "config", "components", "secret-targets")} {
		o, err := readRBAC(dir)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	bound := map[string]bool{} // "<kind>/<name>" of the roles bound to the manager
	for _, b := range objs {
		if (b.Kind == "RoleBinding" || b.Kind == "ClusterRoleBinding") && slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == rbacv1.ServiceAccountKind && s.Name == managerAccount
		}) {
			bound[b.RoleRef.Kind+"/"+b.RoleRef.Name] = true
		}
	}

	rules := map[string][]rbacv1.PolicyRule{}
	files := map[string][]byte{}
	for _, o := range objs {
		if o.Kind != "Role" && o.Kind != "ClusterRole" {
			continue
		}
		name := o.Metadata.Name
		if set, ok := ruleSets[name]; ok {
			rules[set] = o.Rules
			continue
		}
		if bound[o.Kind+"/"+name] {
			return nil, fmt.Errorf("%s: %s %s is bound to the manager, and the chart does not grant it: "+
				"add it to ruleSets in hack/chartgen and include its rules in a template of dist/chart/templates/rbac", o.file, o.Kind, name)
		}
		if o.Kind != "ClusterRole" {
			return nil, fmt.Errorf("%s: Role %s is bound to no one; chartgen makes a ClusterRole helper template only", o.file, name)
		}
		tmpl, err := helperRoleTemplate(o)
		if err != nil {
			return nil, err
		}
		files[name+".yaml"] = tmpl
	}
	for name, set := range ruleSets {
		if _, ok := rules[set]; !ok {
			return nil, fmt.Errorf("no role %s in config/rbac or config/components/secret-targets, which the chart includes as chart.rules.%s",
				name, set)
		}
	}

	scope := func(group, resource string) (bool, error) {
		resource, _, _ = strings.Cut(resource, "/") // a subresource has its resource's scope
		if cluster, ok := crdScopes[group+"/"+resource]; ok {
			return cluster, nil
		}
		if cluster, ok := builtinScopes[group+"/"+resource]; ok {
			return cluster, nil
		}
		return false, fmt.Errorf("the manager role names %q in API group %q, whose scope chartgen does not know: add it to builtinScopes",
			resource, group)
	}
	clusterScoped, namespaced, err := splitByScope(rules["manager"], scope)
	if err != nil {
		return nil, err
	}
	rules["managerClusterScoped"] = clusterScoped
	rules["managerNamespaced"] = namespaced
	rules["clusterResources"] = selectRules(rules["manager"], func(group, resource string) bool {
		return group == "" && (resource == "secrets" || resource == "configmaps")
	}, readVerbs)
	rules["clusterObjectEvents"] = selectRules(rules["manager"], func(_, resource string) bool { return resource == "events" }, nil)

	tpl, err := rulesTemplate(rules)
	if err != nil {
		return nil, err
	}
	files["_rules.tpl"] = tpl
	return files, nil
}

// ruleDocs says what each rules template is for, in _rules.tpl.
var ruleDocs = map[string]string{
	"manager":              "The manager's rules (config/rbac/role.yaml, from the +kubebuilder:rbac markers), cluster-wide.",
	"managerClusterScoped": "Namespaced mode: the manager's rules on cluster-scoped resources, in its ClusterRole.",
	"managerNamespaced":    "Namespaced mode: the manager's rules on namespaced resources, in a Role in each watched namespace.",
	"clusterResources": "Namespaced mode: reading the Secrets and ConfigMaps of ClusterApiGateways, in the " +
		"cluster-resource namespace.",
	"clusterObjectEvents": "Namespaced mode: events about cluster-scoped objects (ClusterApiGateways), which the API " +
		"server keeps in the default namespace.",
	"leaderElection": "Leader election (config/rbac/leader_election_role.yaml), in the release namespace.",
	"metricsAuth":    "Authenticating and authorizing metrics scrapers (config/rbac/metrics_auth_role.yaml).",
	"metricsReader":  "Scraping /metrics (config/rbac/metrics_reader_role.yaml): bind it to Prometheus.",
	"secretWriter":   "Secret targets (config/components/secret-targets/secret_writer_role.yaml).",
}

// rulesTemplate writes each rule set as a named template chart.rules.<name> that renders a
// rules: field.
func rulesTemplate(rules map[string][]rbacv1.PolicyRule) ([]byte, error) {
	names := make([]string, 0, len(rules))
	for name := range rules {
		names = append(names, name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(generatedMark)
	for _, name := range names {
		doc, ok := ruleDocs[name]
		if !ok {
			return nil, fmt.Errorf("no ruleDocs entry for chart.rules.%s", name)
		}
		fmt.Fprintf(&b, "\n{{- /* %s */}}\n{{- define \"chart.rules.%s\" -}}\n", doc, name)
		if len(rules[name]) == 0 {
			b.WriteString("rules: []\n")
		} else {
			out, err := yaml.Marshal(rules[name])
			if err != nil {
				return nil, err
			}
			b.WriteString("rules:\n")
			b.Write(escapeTemplate(out))
		}
		b.WriteString("{{- end }}\n")
	}
	return b.Bytes(), nil
}

// helperRoleTemplate makes an editor or viewer ClusterRole of config/rbac a template, named
// after the release and rendered with rbacHelpers.enable.
func helperRoleTemplate(o rbacObject) ([]byte, error) {
	labels := map[string]string{}
	for k, v := range o.Metadata.Labels {
		if k != "app.kubernetes.io/name" && k != "app.kubernetes.io/managed-by" {
			labels[k] = v
		}
	}
	rules, err := yaml.Marshal(o.Rules)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(generatedMark)
	b.WriteString("{{- if .Values.rbacHelpers.enable }}\n")
	b.WriteString(o.comment)
	b.WriteString("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n")
	b.WriteString("  labels:\n    {{- include \"chart.labels\" . | nindent 4 }}\n")
	if len(labels) > 0 {
		out, err := yaml.Marshal(labels)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.SplitAfter(strings.TrimSuffix(string(out), "\n"), "\n") {
			b.WriteString("    " + strings.TrimSuffix(line, "\n") + "\n")
		}
	}
	fmt.Fprintf(&b, "  name: {{ include \"chart.fullname\" . }}-%s\nrules:\n%s{{- end }}\n", o.Metadata.Name, escapeTemplate(rules))
	return []byte(b.String()), nil
}

// splitByScope splits rules into those on cluster-scoped resources (and non-resource URLs)
// and those on namespaced ones, keeping verbs and resource names.
func splitByScope(rules []rbacv1.PolicyRule,
	clusterScoped func(group, resource string) (bool, error)) (cluster, namespaced []rbacv1.PolicyRule, err error) {
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			cluster = append(cluster, r)
			continue
		}
		for _, g := range r.APIGroups {
			var c, n []string
			for _, res := range r.Resources {
				isCluster, err := clusterScoped(g, res)
				if err != nil {
					return nil, nil, err
				}
				if isCluster {
					c = append(c, res)
				} else {
					n = append(n, res)
				}
			}
			if len(c) > 0 {
				cluster = append(cluster, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: c, Verbs: r.Verbs, ResourceNames: r.ResourceNames})
			}
			if len(n) > 0 {
				namespaced = append(namespaced, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: n, Verbs: r.Verbs, ResourceNames: r.ResourceNames})
			}
		}
	}
	return mergeGroups(cluster), mergeGroups(namespaced), nil
}

// selectRules keeps the resources of rules that keep selects, and of their verbs those in verbs
// (all when verbs is nil).
func selectRules(rules []rbacv1.PolicyRule, keep func(group, resource string) bool, verbs []string) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		var vs []string
		for _, v := range r.Verbs {
			if verbs == nil || slices.Contains(verbs, v) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		for _, g := range r.APIGroups {
			var res []string
			for _, resource := range r.Resources {
				if keep(g, resource) {
					res = append(res, resource)
				}
			}
			if len(res) > 0 {
				out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: res, Verbs: vs, ResourceNames: r.ResourceNames})
			}
		}
	}
	return mergeGroups(out)
}

// mergeGroups joins rules that differ only in their API groups, in the order they come.
func mergeGroups(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		i := slices.IndexFunc(out, func(o rbacv1.PolicyRule) bool {
			return slices.Equal(o.Resources, r.Resources) && slices.Equal(o.Verbs, r.Verbs) &&
				slices.Equal(o.ResourceNames, r.ResourceNames) && slices.Equal(o.NonResourceURLs, r.NonResourceURLs)
		})
		if i < 0 {
			out = append(out, *r.DeepCopy())
			continue
		}
		for _, g := range r.APIGroups {
			if !slices.Contains(out[i].APIGroups, g) {
				out[i].APIGroups = append(out[i].APIGroups, g)
			}
		}
	}
	return out
}

// readRBAC reads the RBAC objects of the YAML files in dir, with the comment above each.
func readRBAC(dir string) ([]rbacObject, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var objs []rbacObject
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(f))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			var generic any
			if err := yaml.Unmarshal(doc, &generic); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if _, ok := generic.(map[string]any); !ok {
				continue // a JSON patch
			}
			var o rbacObject
			if err := yaml.Unmarshal(doc, &o); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if !strings.HasPrefix(o.Kind, "Role") && !strings.HasPrefix(o.Kind, "ClusterRole") {
				continue
			}
			o.file, o.comment = path, leadingComment(doc)
			objs = append(objs, o)
		}
		_ = f.Close()
	}
	return objs, nil
}

// leadingComment returns the comment lines a YAML document starts with.
func leadingComment(doc []byte) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(doc), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}
