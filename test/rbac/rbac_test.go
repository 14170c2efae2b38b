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

// Package rbac checks the RBAC manifests in config for least privilege, on the files as they
// are applied: config/rbac/role.yaml is generated from the +kubebuilder:rbac markers, so a
// marker that widens the manager's access fails here, not in a cluster.
package rbac

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	rbacDir         = "../../config/rbac"
	secretTargetDir = "../../config/components/secret-targets"
	defaultDir      = "../../config/default"
	// managerAccount is the manager's ServiceAccount before kustomize prefixes it.
	managerAccount = "controller-manager"
	managerRole    = "manager-role"
)

// readSecrets are the only verbs on Secrets the manager has without the secret-targets component.
var readSecrets = []string{"get", "list", "watch"}

// object is the part of a Role, ClusterRole, RoleBinding or ClusterRoleBinding the checks read.
type object struct {
	File     string                `json:"-"`
	Kind     string                `json:"kind"`
	Metadata struct{ Name string } `json:"metadata"`
	Rules    []rbacv1.PolicyRule   `json:"rules"`
	RoleRef  rbacv1.RoleRef        `json:"roleRef"`
	Subjects []rbacv1.Subject      `json:"subjects"`
}

func (o object) isRole() bool    { return o.Kind == "Role" || o.Kind == "ClusterRole" }
func (o object) isBinding() bool { return o.Kind == "RoleBinding" || o.Kind == "ClusterRoleBinding" }

// load reads every document of every YAML file under dir.
func load(t *testing.T, dir string) []object {
	t.Helper()
	var objs []object
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close() //nolint:errcheck
		r := utilyaml.NewYAMLReader(bufio.NewReader(f))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			var generic any
			if err := yaml.Unmarshal(doc, &generic); err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if _, ok := generic.(map[string]any); !ok {
				continue // a JSON patch, not an object
			}
			var o object
			if err := yaml.Unmarshal(doc, &o); err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if o.Kind != "" {
				o.File = path
				objs = append(objs, o)
			}
		}
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	if len(objs) == 0 {
		t.Fatalf("no manifests found under %s", dir)
	}
	return objs
}

// secretVerbs are the verbs the rules grant on core Secrets.
func secretVerbs(rules []rbacv1.PolicyRule) []string {
	var verbs []string
	for _, r := range rules {
		if slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, "secrets") {
			verbs = append(verbs, r.Verbs...)
		}
	}
	slices.Sort(verbs)
	return slices.Compact(verbs)
}

// bindsManager reports whether a binding grants its role to the manager's ServiceAccount.
func bindsManager(b object) bool {
	return slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
		return s.Kind == rbacv1.ServiceAccountKind && s.Name == managerAccount
	})
}

func TestNoWildcards(t *testing.T) {
	objs := append(load(t, rbacDir), load(t, secretTargetDir)...)
	for _, o := range objs {
		if !o.isRole() {
			continue
		}
		for i, r := range o.Rules {
			for field, values := range map[string][]string{
				"apiGroups": r.APIGroups, "resources": r.Resources, "verbs": r.Verbs,
				"resourceNames": r.ResourceNames, "nonResourceURLs": r.NonResourceURLs,
			} {
				for _, v := range values {
					if strings.Contains(v, "*") {
						t.Errorf("%s: %s %s, rule %d: %s has the wildcard %q: name what is needed instead",
							o.File, o.Kind, o.Metadata.Name, i, field, v)
					}
				}
			}
		}
	}
}

func TestManagerOnlyReadsSecrets(t *testing.T) {
	objs := load(t, rbacDir)
	roles := map[string]object{}
	for _, o := range objs {
		if o.isRole() {
			roles[o.Kind+"/"+o.Metadata.Name] = o
		}
	}
	bound := map[string]bool{}
	for _, b := range objs {
		if !b.isBinding() || !bindsManager(b) {
			continue
		}
		key := b.RoleRef.Kind + "/" + b.RoleRef.Name
		role, ok := roles[key]
		if !ok {
			t.Errorf("%s: %s %s binds %s to the manager, which is not under %s", b.File, b.Kind, b.Metadata.Name, key, rbacDir)
			continue
		}
		bound[key] = true
		for _, v := range secretVerbs(role.Rules) {
			if !slices.Contains(readSecrets, v) {
				t.Errorf("%s: %s grants the manager %q on Secrets; without the secret-targets component it may only %v them",
					role.File, key, v, readSecrets)
			}
		}
	}
	key := "ClusterRole/" + managerRole
	if !bound[key] {
		t.Fatalf("%s is not bound to the ServiceAccount %s under %s", key, managerAccount, rbacDir)
	}
	// The manager reads the credentials Secrets of ApiGateways: losing that breaks every gateway.
	if got := secretVerbs(roles[key].Rules); !slices.Equal(got, readSecrets) {
		t.Errorf("%s grants %v on Secrets, want exactly %v", key, got, readSecrets)
	}
}

func TestSecretTargetsComponent(t *testing.T) {
	objs := load(t, secretTargetDir)
	var role *object
	for i, o := range objs {
		if o.Kind == "ClusterRole" {
			if role != nil {
				t.Fatalf("%s holds more than one ClusterRole", secretTargetDir)
			}
			role = &objs[i]
		}
	}
	if role == nil {
		t.Fatalf("%s holds no ClusterRole", secretTargetDir)
	}
	// It adds the writes of Secret targets and nothing else.
	want := []string{"create", "delete", "patch", "update"}
	for i, r := range role.Rules {
		if !slices.Equal(r.APIGroups, []string{""}) || !slices.Equal(r.Resources, []string{"secrets"}) ||
			len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("%s: rule %d grants %v on %v in %v; the component may only add writes of Secrets",
				role.File, i, r.Verbs, r.Resources, r.APIGroups)
		}
	}
	if got := secretVerbs(role.Rules); !slices.Equal(got, want) {
		t.Errorf("%s grants %v on Secrets, want %v", role.File, got, want)
	}
	if !slices.ContainsFunc(objs, func(b object) bool {
		return b.Kind == "ClusterRoleBinding" && bindsManager(b) && b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == role.Metadata.Name
	}) {
		t.Errorf("%s binds %s to no ServiceAccount %s", secretTargetDir, role.Metadata.Name, managerAccount)
	}

	type kustomization struct {
		Kind       string   `json:"kind"`
		Components []string `json:"components"`
	}
	var kust, deflt kustomization
	readYAML(t, filepath.Join(secretTargetDir, "kustomization.yaml"), &kust)
	if kust.Kind != "Component" {
		t.Errorf("%s/kustomization.yaml is a %q, want a Component", secretTargetDir, kust.Kind)
	}
	patch, err := os.ReadFile(filepath.Join(secretTargetDir, "manager_flag_patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(patch), "--enable-secret-targets") {
		t.Errorf("the component does not start the manager with --enable-secret-targets")
	}

	// Opt-in: config/default does not include it.
	readYAML(t, filepath.Join(defaultDir, "kustomization.yaml"), &deflt)
	for _, c := range deflt.Components {
		if strings.Contains(c, "secret-targets") {
			t.Errorf("config/default includes %s: Secret targets must be opt-in", c)
		}
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The manager writes only the status of its own kinds and the finalizer of ApiPublications and
// ApiExports, with merge patches; apiexports/finalizers lets ApiExport targets block their
// owner's deletion. TestManagerRoleOnAPIServer checks the same on an API server.
func TestManagerRoleWritesOnlyWhatTheControllersWrite(t *testing.T) {
	var role *object
	for _, o := range load(t, rbacDir) {
		if o.Kind == "ClusterRole" && o.Metadata.Name == managerRole {
			role = &o
		}
	}
	if role == nil {
		t.Fatalf("no ClusterRole %s under %s", managerRole, rbacDir)
	}
	const group = "publishing.apig-operator.dev"
	granted := map[string][]string{}
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, group) {
			for _, res := range r.Resources {
				granted[res] = append(granted[res], r.Verbs...)
			}
		}
	}
	forbidden := map[string][]string{
		"apigateways":                {"create", "update", "patch", "delete", "deletecollection"},
		"apipublications":            {"create", "update", "delete", "deletecollection"},
		"apiexports":                 {"create", "update", "delete", "deletecollection"},
		"apigateways/status":         {"update"},
		"apipublications/status":     {"update"},
		"apiexports/status":          {"update"},
		"apigateways/finalizers":     {"update", "patch"},
		"apipublications/finalizers": {"update", "patch"},
	}
	for res, verbs := range forbidden {
		for _, v := range verbs {
			if slices.Contains(granted[res], v) {
				t.Errorf("%s grants %q on %s, which no controller does", managerRole, v, res)
			}
		}
	}
	for res, v := range map[string]string{
		"apigateways": "watch", "apipublications": "patch", "apiexports": "patch",
		"apigateways/status": "patch", "apipublications/status": "patch", "apiexports/status": "patch",
		"apiexports/finalizers": "update",
	} {
		if !slices.Contains(granted[res], v) {
			t.Errorf("%s does not grant %q on %s, which the controllers need", managerRole, v, res)
		}
	}
}
