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

package install

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/apig-operator/apig-operator/test/harness"
)

// The release the chart is rendered as: with this name and namespace the chart names its
// objects as config/default does.
const (
	release   = "apig-operator"
	namespace = "apig-operator-system"
)

// valueSets are the configurations every test renders, by values file under testdata.
var valueSets = []struct{ name, file string }{
	{"defaults", ""},
	{"namespaced", "values-namespaced.yaml"},
	{"secret targets", "values-secret-targets.yaml"},
	{"namespaced with secret targets", "values-namespaced-secret-targets.yaml"},
	{"metrics with a ServiceMonitor", "values-prometheus.yaml"},
	{"minimal", "values-minimal.yaml"},
}

// tools are the programs and directories the tests use.
type tools struct {
	root, helm, kustomize string
}

func setup(t *testing.T) tools {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	helm, err := harness.Helm()
	if err != nil {
		t.Fatal(err)
	}
	kustomize, err := harness.Kustomize()
	if err != nil {
		t.Fatal(err)
	}
	return tools{root: root, helm: helm, kustomize: kustomize}
}

// render renders the chart with a values file of testdata ("" for the defaults).
func (tl tools) render(t *testing.T, valuesFile string) []*unstructured.Unstructured {
	t.Helper()
	var args []string
	if valuesFile != "" {
		args = []string{"-f", filepath.Join("testdata", valuesFile)}
	}
	out, err := harness.RenderChart(tl.helm, filepath.Join(tl.root, harness.Chart), release, namespace, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.Objects(out)
	if err != nil {
		t.Fatalf("the rendered chart: %v", err)
	}
	return objs
}

// buildDefault runs kustomize build config/default on a copy of config/ in which the
// commented lines given are uncommented in config/default/kustomization.yaml, as the README
// tells users to turn on Secret targets or the ServiceMonitor.
func (tl tools) buildDefault(t *testing.T, uncomment ...string) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(tl.root, "config"))); err != nil {
		t.Fatal(err)
	}
	kustomization := filepath.Join(dir, "default", "kustomization.yaml")
	data, err := os.ReadFile(kustomization)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range uncomment {
		commented := regexp.MustCompile(`(?m)^#` + regexp.QuoteMeta(line) + `$`)
		if !commented.Match(data) {
			t.Fatalf("config/default/kustomization.yaml has no line %q to uncomment", "#"+line)
		}
		data = commented.ReplaceAll(data, []byte(line))
	}
	if err := os.WriteFile(kustomization, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tl.kustomize, "build", filepath.Join(dir, "default"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build config/default with %v: %v\n%s", uncomment, err, stderr.String())
	}
	objs, err := harness.Objects(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestChartLint(t *testing.T) {
	tl := setup(t)
	for _, vs := range valueSets {
		args := []string{"lint", "--strict", filepath.Join(tl.root, harness.Chart)}
		if vs.file != "" {
			args = append(args, "-f", filepath.Join("testdata", vs.file))
		}
		if out, err := exec.Command(tl.helm, args...).CombinedOutput(); err != nil {
			t.Errorf("helm lint with %s: %v\n%s", vs.name, err, out)
		}
	}
}

// dist/install.yaml is kustomize build config/default, as make dist writes it.
func TestInstallYAMLIsCurrent(t *testing.T) {
	tl := setup(t)
	data, err := os.ReadFile(filepath.Join(tl.root, "dist", "install.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := harness.Objects(data)
	if err != nil {
		t.Fatal(err)
	}
	built := tl.buildDefault(t)
	if !reflect.DeepEqual(keys(committed), keys(built)) {
		t.Fatalf("dist/install.yaml holds %v, kustomize build config/default %v: run make dist", keys(committed), keys(built))
	}
	byKey := map[string]*unstructured.Unstructured{}
	for _, o := range committed {
		byKey[key(o)] = o
	}
	for _, o := range built {
		if !reflect.DeepEqual(byKey[key(o)].Object, o.Object) {
			t.Errorf("dist/install.yaml: %s differs from kustomize build config/default: run make dist", key(o))
		}
	}
}

// The chart with its defaults installs what config/default does, and with Secret targets on
// what config/default with the secret-targets component does: the same CRDs, the same RBAC
// objects with the same rules and bindings, and the same manager.
func TestChartIsConfigDefault(t *testing.T) {
	tl := setup(t)
	cases := []struct {
		name, values string
		uncomment    []string // in config/default/kustomization.yaml
	}{
		{"defaults", "", nil},
		{"secret targets", "values-secret-targets.yaml", []string{"components:", "- ../components/secret-targets"}},
		{"metrics with a ServiceMonitor", "values-prometheus.yaml", []string{"- ../prometheus"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chart := tl.render(t, c.values)
			config := tl.buildDefault(t, c.uncomment...)
			var configKeys []string
			for _, o := range config {
				if o.GetKind() != "Namespace" { // helm install --create-namespace makes it
					configKeys = append(configKeys, key(o))
				}
			}
			sort.Strings(configKeys)
			if got := keys(chart); !slices.Equal(got, configKeys) {
				t.Fatalf("the chart renders\n  %v\nconfig/default builds\n  %v", got, configKeys)
			}
			byKey := map[string]*unstructured.Unstructured{}
			for _, o := range chart {
				byKey[key(o)] = o
			}
			for _, want := range config {
				got := byKey[key(want)]
				switch want.GetKind() {
				case "Namespace": // not in the chart, as checked above
				case "CustomResourceDefinition":
					sameFields(t, got, want, []string{"spec"}, []string{"metadata", "name"})
					if v, _, _ := unstructured.NestedString(got.Object, "metadata", "annotations", "helm.sh/resource-policy"); v != "keep" {
						t.Errorf("%s: no helm.sh/resource-policy: keep with crd.keep", key(got))
					}
				case "ClusterRole", "Role":
					if g, w := ruleSet(t, got), ruleSet(t, want); !slices.Equal(g, w) {
						t.Errorf("%s grants\n  %v\nin the chart, and\n  %v\nin config/", key(got), g, w)
					}
					for k, v := range want.GetLabels() {
						if strings.HasPrefix(k, "rbac.authorization.k8s.io/") && got.GetLabels()[k] != v {
							t.Errorf("%s: label %s=%q in config/, %q in the chart", key(got), k, v, got.GetLabels()[k])
						}
					}
				case "ClusterRoleBinding", "RoleBinding":
					sameFields(t, got, want, []string{"roleRef"}, []string{"subjects"})
				case "Service":
					sameFields(t, got, want, []string{"spec", "ports"})
				case "ServiceMonitor":
					sameFields(t, got, want, []string{"spec", "endpoints"})
				case "Deployment":
					sameDeployment(t, tl, got, want)
				default: // generated from config/prometheus, for example
					sameFields(t, got, want, []string{"spec"}, []string{"data"})
				}
			}
		})
	}
}

// sameDeployment compares the manager Deployments: the Pod's settings, and the arguments: the
// chart passes each of config/'s with the same value, and the rest with the manager's default.
func sameDeployment(t *testing.T, tl tools, got, want *unstructured.Unstructured) {
	t.Helper()
	sameFields(t, got, want, []string{"spec", "replicas"},
		[]string{"spec", "template", "spec", "securityContext"},
		[]string{"spec", "template", "spec", "serviceAccountName"},
		[]string{"spec", "template", "spec", "terminationGracePeriodSeconds"})
	gc, wc := container(t, got), container(t, want)
	for _, field := range []string{"image", "command", "env", "resources", "securityContext", "livenessProbe", "readinessProbe"} {
		if !reflect.DeepEqual(gc[field], wc[field]) {
			t.Errorf("the manager container's %s is %v in the chart, %v in config/", field, gc[field], wc[field])
		}
	}
	gotArgs, wantArgs := args(t, gc), args(t, wc)
	defaults := managerDefaults(t, tl)
	for name, v := range wantArgs {
		if gotArgs[name] != v {
			t.Errorf("config/ starts the manager with --%s=%s, the chart with %q", name, v, gotArgs[name])
		}
	}
	for name, v := range gotArgs {
		if _, ok := wantArgs[name]; ok {
			continue
		}
		def, known := defaults[name]
		if !known {
			t.Errorf("the chart passes --%s, which the manager does not have", name)
		} else if v != def {
			t.Errorf("the chart passes --%s=%s by default, the manager's default is %q: make values.yaml say the same", name, v, def)
		}
	}
	wantPorts, _, _ := unstructured.NestedSlice(wc, "ports")
	gotPorts, _, _ := unstructured.NestedSlice(gc, "ports")
	for _, p := range wantPorts {
		if !slices.ContainsFunc(gotPorts, func(g any) bool { return reflect.DeepEqual(g, p) }) {
			t.Errorf("the manager container has the port %v in config/, not in the chart (%v)", p, gotPorts)
		}
	}
}

// The namespaced mode confines the manager: it may read and write in the watched namespace,
// read the Secrets of ClusterApiGateways in the cluster-resource namespace, read the few
// cluster-scoped objects it needs, and nothing else; the default mode grants the same
// cluster-wide, Secrets read-only.
func TestChartNamespacedRBAC(t *testing.T) {
	tl := setup(t)
	type check struct {
		verb, group, resource, namespace string // namespace "" is cluster-wide
		allowed                          bool
	}
	const group = "publishing.apig-operator.dev"
	cases := []struct {
		values string
		checks []check
	}{
		{"", []check{
			{"get", "", "secrets", "any", true},
			{"get", "", "secrets", "", true},
			{"create", "", "secrets", "any", false},
			{"patch", group, "apipublications", "any", true},
			{"update", group, "apipublications", "any", false},
			{"create", "coordination.k8s.io", "leases", namespace, true},
			{"create", "coordination.k8s.io", "leases", "any", false},
		}},
		{"values-secret-targets.yaml", []check{
			{"create", "", "secrets", "any", true},
			{"delete", "", "secrets", "any", true},
		}},
		{"values-namespaced.yaml", []check{
			{"get", "", "secrets", "team-a", true},
			{"get", "", "secrets", "team-b", true},
			{"patch", group, "apipublications", "team-b", true},
			{"get", "", "secrets", namespace, true}, // the cluster-resource namespace by default
			{"get", "", "secrets", "other", false},
			{"create", "", "secrets", "team-a", false},
			{"list", group, "apipublications", "", false},
		}},
		{"values-namespaced-secret-targets.yaml", []check{
			// The watched namespace.
			{"get", "", "secrets", "team-a", true},
			{"create", "", "secrets", "team-a", true},
			{"patch", group, "apipublications", "team-a", true},
			{"patch", group, "apiexports/status", "team-a", true},
			{"create", "", "configmaps", "team-a", true},
			{"create", "events.k8s.io", "events", "team-a", true},
			// The cluster-resource namespace: reading ClusterApiGateway Secrets and CA bundles.
			{"get", "", "secrets", "platform", true},
			{"watch", "", "configmaps", "platform", true},
			{"create", "", "secrets", "platform", false},
			{"update", "", "configmaps", "platform", false},
			// Anywhere else, nothing namespaced.
			{"get", "", "secrets", "", false},
			{"list", "", "secrets", "other", false},
			{"get", "", "secrets", namespace, false},
			{"list", group, "apipublications", "other", false},
			{"list", group, "apipublications", "", false},
			{"create", "", "configmaps", "other", false},
			// What is cluster-scoped, and events about it, kept in default.
			{"watch", group, "clusterapigateways", "", true},
			{"patch", group, "clusterapigateways/status", "", true},
			{"get", "", "namespaces", "", true},
			{"create", "events.k8s.io", "events", "default", true},
			// Leader election in the release namespace.
			{"update", "coordination.k8s.io", "leases", namespace, true},
		}},
	}
	for _, c := range cases {
		objs := tl.render(t, c.values)
		for _, ch := range c.checks {
			if got := allows(t, objs, ch.verb, ch.group, ch.resource, ch.namespace); got != ch.allowed {
				where := "cluster-wide"
				if ch.namespace != "" {
					where = "in namespace " + ch.namespace
				}
				t.Errorf("values %q: %s %s.%s %s: allowed is %v, want %v", c.values, ch.verb, ch.resource, ch.group, where,
					got, ch.allowed)
			}
		}
	}

	for _, bad := range []struct{ set, message string }{
		{"rbac.namespaced=true", "rbac.namespaced needs manager.watchNamespaces"},
	} {
		_, err := harness.RenderChart(tl.helm, filepath.Join(tl.root, harness.Chart), release, namespace, "--set", bad.set)
		if err == nil || !strings.Contains(err.Error(), bad.message) {
			t.Errorf("--set %s: want an error saying %q, got %v", bad.set, bad.message, err)
		}
	}
}

// Every rendering, and dist/install.yaml, is accepted by an API server: a server-side apply
// dry run, which validates each object against its schema, the RBAC escalation rules and the
// admission plugins.
func TestServerSideDryRun(t *testing.T) {
	tl := setup(t)
	if _, err := harness.Assets(); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	cp, err := harness.StartControlPlane(&envtest.Environment{}, "install-admin", filepath.Join(work, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })
	kubectl := func(args ...string) string {
		t.Helper()
		out, err := cp.Kubectl(args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	kubectl("apply", "--server-side", "-f", filepath.Join("testdata", "prometheus-operator-crds.yaml"))
	kubectl("wait", "--for=condition=Established", "--timeout=60s",
		"crd/servicemonitors.monitoring.coreos.com", "crd/prometheusrules.monitoring.coreos.com")
	// A dry run creates nothing, so the namespaces the objects go to must exist.
	kubectl("create", "namespace", namespace)
	kubectl("create", "namespace", "team-a")
	kubectl("create", "namespace", "team-b")
	kubectl("create", "namespace", "platform")

	manifests := map[string]string{"dist/install.yaml": filepath.Join(tl.root, "dist", "install.yaml")}
	names := []string{"dist/install.yaml"}
	for _, vs := range valueSets {
		objs := tl.render(t, vs.file)
		data, err := harness.Manifest(objs)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(work, strings.ReplaceAll(vs.name, " ", "-")+".yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		name := "the chart with " + vs.name
		manifests[name] = path
		names = append(names, name)
	}
	for _, name := range names {
		data, err := os.ReadFile(manifests[name])
		if err != nil {
			t.Fatal(err)
		}
		objs, err := harness.Objects(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := cp.Kubectl("apply", "--server-side", "--dry-run=server", "-f", manifests[name])
		if err != nil {
			t.Errorf("%s: kubectl apply --server-side --dry-run=server: %v\n%s", name, err, out)
			continue
		}
		if n := strings.Count(out, "serverside-applied (server dry run)"); n != len(objs) {
			t.Errorf("%s: %d of %d objects applied:\n%s", name, n, len(objs), out)
		}
		t.Logf("%s: %d objects accepted", name, len(objs))
	}
}

// managerDefaults returns the default of each manager flag, as `manager --help` prints it:
// bool flags without one are false, other flags without one "".
var managerDefaults = func() func(t *testing.T, tl tools) map[string]string {
	var once sync.Once
	var defaults map[string]string
	var err error
	return func(t *testing.T, tl tools) map[string]string {
		t.Helper()
		once.Do(func() {
			dir := t.TempDir()
			if err = harness.Build(tl.root, dir, harness.Manager); err != nil {
				return
			}
			var out []byte
			out, err = exec.Command(filepath.Join(dir, harness.Manager.Name), "--help").CombinedOutput()
			if err != nil {
				err = fmt.Errorf("manager --help: %v\n%s", err, out)
				return
			}
			defaults, err = parseDefaults(string(out))
		})
		if err != nil {
			t.Fatal(err)
		}
		return defaults
	}
}()

var (
	flagHeader  = regexp.MustCompile(`^  -(\S+)(?: (\S+))?$`)
	flagDefault = regexp.MustCompile(`\(default (.*)\)$`)
	flagUsage   = regexp.MustCompile(`^    \t`)
)

// parseDefaults reads the flag package's usage text: "  -name type" lines, each followed by
// its usage, which ends with "(default value)" unless the default is the zero value.
func parseDefaults(help string) (map[string]string, error) {
	defaults := map[string]string{}
	lines := strings.Split(help, "\n")
	for i := 0; i < len(lines); i++ {
		m := flagHeader.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		name, typ := m[1], m[2]
		var usage strings.Builder
		for i+1 < len(lines) && flagUsage.MatchString(lines[i+1]) {
			i++
			usage.WriteString(strings.TrimSpace(lines[i]))
		}
		def := ""
		if typ == "" {
			def = "false"
		}
		if d := flagDefault.FindStringSubmatch(usage.String()); d != nil {
			def = d[1]
			if typ == "string" {
				unquoted, err := strconv.Unquote(def)
				if err != nil {
					return nil, fmt.Errorf("the default of --%s: %w", name, err)
				}
				def = unquoted
			}
		}
		defaults[name] = def
	}
	if len(defaults) == 0 {
		return nil, fmt.Errorf("no flags in the manager's usage:\n%s", help)
	}
	return defaults, nil
}

// args reads a container's "--name=value" and "--name" arguments.
func args(t *testing.T, c map[string]any) map[string]string {
	t.Helper()
	list, _, _ := unstructured.NestedStringSlice(c, "args")
	out := map[string]string{}
	for _, a := range list {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok {
			value = "true"
		}
		if _, dup := out[name]; dup {
			t.Errorf("--%s is passed twice", name)
		}
		out[name] = value
	}
	return out
}

func container(t *testing.T, deploy *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok && m["name"] == "manager" {
			return m
		}
	}
	t.Fatalf("%s has no container named manager", key(deploy))
	return nil
}

// sameFields fails for each field whose value differs between the chart's object and config/'s.
func sameFields(t *testing.T, got, want *unstructured.Unstructured, fields ...[]string) {
	t.Helper()
	for _, f := range fields {
		g, _, _ := unstructured.NestedFieldNoCopy(got.Object, f...)
		w, _, _ := unstructured.NestedFieldNoCopy(want.Object, f...)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s is\n  %v\nin the chart, and\n  %v\nin config/", key(got), strings.Join(f, "."), g, w)
		}
	}
}

// ruleSet expands a role's rules into sorted "verb group/resource[/name]" and "verb url" items.
func ruleSet(t *testing.T, role *unstructured.Unstructured) []string {
	t.Helper()
	var items []string
	for _, r := range rules(t, role) {
		for _, v := range r.Verbs {
			for _, u := range r.NonResourceURLs {
				items = append(items, v+" "+u)
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					if len(r.ResourceNames) == 0 {
						items = append(items, v+" "+g+"/"+res)
					}
					for _, n := range r.ResourceNames {
						items = append(items, v+" "+g+"/"+res+"/"+n)
					}
				}
			}
		}
	}
	sort.Strings(items)
	return slices.Compact(items)
}

func rules(t *testing.T, role *unstructured.Unstructured) []rbacv1.PolicyRule {
	t.Helper()
	var r rbacv1.ClusterRole
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(role.Object, &r); err != nil {
		t.Fatalf("%s: %v", key(role), err)
	}
	return r.Rules
}

// allows evaluates the rendered RBAC as the API server's authorizer does: may the manager's
// ServiceAccount do verb on group/resource in namespace ("" for all namespaces, or a
// cluster-scoped resource)?
func allows(t *testing.T, objs []*unstructured.Unstructured, verb, group, resource, ns string) bool {
	t.Helper()
	roles := map[string]*unstructured.Unstructured{}
	for _, o := range harness.OfKinds(objs, "Role", "ClusterRole") {
		roles[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
	}
	for _, b := range harness.OfKinds(objs, "RoleBinding", "ClusterRoleBinding") {
		var binding rbacv1.RoleBinding
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(b.Object, &binding); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(binding.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == rbacv1.ServiceAccountKind && s.Name == release+"-controller-manager" && s.Namespace == namespace
		}) {
			continue
		}
		if b.GetKind() == "RoleBinding" && b.GetNamespace() != ns {
			continue // a RoleBinding grants in its namespace only
		}
		roleNS := ""
		if binding.RoleRef.Kind == "Role" {
			roleNS = b.GetNamespace()
		}
		role := roles[binding.RoleRef.Kind+"/"+roleNS+"/"+binding.RoleRef.Name]
		if role == nil {
			t.Errorf("%s binds %s %s, which the chart does not render", key(b), binding.RoleRef.Kind, binding.RoleRef.Name)
			continue
		}
		for _, r := range rules(t, role) {
			if slices.Contains(r.Verbs, verb) && slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) &&
				len(r.ResourceNames) == 0 {
				return true
			}
		}
	}
	return false
}

func key(o *unstructured.Unstructured) string {
	return o.GetKind() + " " + strings.TrimPrefix(o.GetNamespace()+"/"+o.GetName(), "/")
}

func keys(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, key(o))
	}
	sort.Strings(out)
	return out
}
