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

// Package argocd tests the Argo CD health checks in config/argocd: each Lua script is run
// against status fixtures the way Argo CD runs it, with the engine Argo CD uses, and kstatus is
// computed for the same objects.
package argocd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

const (
	configDir = "../../config/argocd"
	group     = "publishing.apig-operator.dev"
)

var kinds = []string{"ApiGateway", "ClusterApiGateway", "ApiPublication", "ApiExport"}

// Health statuses Argo CD accepts from a health script.
const (
	healthy     = "Healthy"
	progressing = "Progressing"
	degraded    = "Degraded"
	suspended   = "Suspended"
	missing     = "Missing"
	unknown     = "Unknown"
)

const waiting = "Waiting for the operator"

// kstatus results, as cli-utils computes them.
const (
	current     = status.CurrentStatus
	inProgress  = status.InProgressStatus
	failed      = status.FailedStatus
	terminating = status.TerminatingStatus
)

// healthStatus is what a health script returns: hs.status and hs.message.
type healthStatus struct {
	Status  string
	Message string
}

// TestHealth runs the health script on a fixture for each row of the condition table
// (DESIGN.md section 8) and each kind the row applies to, and computes kstatus for the same
// object. ApiGateway has no calls-in-flight row (its check of the gateway is one synchronous
// pass); suspend and managementPolicy are ApiPublication's only.
//
// Where the two differ, the comment on the case says why. The differences come from kstatus
// (cli-utils v0.37) reading a Ready condition on kinds it does not know: Ready=False or
// Unknown without Reconciling or Stalled is InProgress, not Current, so a retried failure, a
// suspended or an OutOfSync object is "not yet" to kstatus and Degraded or Suspended to Argo
// CD. Where the table speaks for both (converged, in flight, waiting, stalled, stale
// generation) they agree.
func TestHealth(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		fixture string // test/argocd/testdata/<kind>/<fixture>.yaml
		want    string
		// wantMessage is a substring the message must contain, in addition to being non-empty.
		wantMessage string
		kstatus     status.Status
	}{
		// ApiGateway.
		{name: "ApiGateway/converged", kind: "ApiGateway", fixture: "healthy",
			want: healthy, wantMessage: "Connected to https://apig.cn-north-4.myhuaweicloud.com", kstatus: current},
		// Retried failures: Ready=False alone is InProgress to kstatus (see above).
		{name: "ApiGateway/gateway unreachable, retried", kind: "ApiGateway", fixture: "unreachable",
			want: degraded, wantMessage: "i/o timeout; retrying", kstatus: inProgress},
		{name: "ApiGateway/Secret not found, retried", kind: "ApiGateway", fixture: "secret-not-found",
			want: degraded, wantMessage: "Secret apis/apig-credentials not found", kstatus: inProgress},
		{name: "ApiGateway/stalled on credentials", kind: "ApiGateway", fixture: "stalled-credentials",
			want: degraded, wantMessage: "refused the credentials", kstatus: failed},
		{name: "ApiGateway/stalled on TLS verification", kind: "ApiGateway", fixture: "stalled-tls",
			want: degraded, wantMessage: "spec.tls.caBundleRef", kstatus: failed},
		{name: "ApiGateway/spec change not yet observed", kind: "ApiGateway", fixture: "stale-generation",
			want: progressing, wantMessage: waiting + " to see generation 3", kstatus: inProgress},
		// kstatus compares status.observedGeneration only.
		{name: "ApiGateway/Ready written for an older generation", kind: "ApiGateway", fixture: "ready-stale-generation",
			want: progressing, wantMessage: waiting + " to see generation 3", kstatus: current},
		// kstatus cannot tell an object the operator has not seen yet from one that has no
		// status at all: both are Current.
		{name: "ApiGateway/no status yet", kind: "ApiGateway", fixture: "no-status",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiGateway/no conditions yet", kind: "ApiGateway", fixture: "no-conditions",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiGateway/deleting", kind: "ApiGateway", fixture: "deleting",
			want: progressing, wantMessage: "Pending deletion; waiting for finalizers: foregroundDeletion", kstatus: terminating},

		// ClusterApiGateway: an ApiGateway's spec and status, cluster-scoped; the same script.
		{name: "ClusterApiGateway/converged", kind: "ClusterApiGateway", fixture: "healthy",
			want: healthy, wantMessage: "Connected to https://apig.cn-north-4.myhuaweicloud.com", kstatus: current},
		{name: "ClusterApiGateway/stalled on credentials", kind: "ClusterApiGateway", fixture: "stalled-credentials",
			want: degraded, wantMessage: "refused the credentials", kstatus: failed},

		// ApiPublication.
		{name: "ApiPublication/converged", kind: "ApiPublication", fixture: "healthy",
			want: healthy, wantMessage: "2 APIs published in RELEASE", kstatus: current},
		{name: "ApiPublication/calls in flight", kind: "ApiPublication", fixture: "publishing",
			want: progressing, wantMessage: "1 APIs in flight", kstatus: inProgress},
		{name: "ApiPublication/waiting for a DataArts schedule", kind: "ApiPublication", fixture: "waiting-for-schedule",
			want: progressing, wantMessage: "scheduled to go offline at 2026-03-04T10:00:00Z", kstatus: inProgress},
		{name: "ApiPublication/waiting for a DataArts review", kind: "ApiPublication", fixture: "waiting-for-review",
			want: progressing, wantMessage: "waits for a reviewer", kstatus: inProgress},
		// Retried failures: Ready=False alone is InProgress to kstatus (see above).
		{name: "ApiPublication/partial failure, retried", kind: "ApiPublication", fixture: "partial-failure",
			want: degraded, wantMessage: "1 of 2 APIs failed: APIG.3002", kstatus: inProgress},
		{name: "ApiPublication/version not found, retried", kind: "ApiPublication", fixture: "version-not-found",
			want: degraded, wantMessage: "APIG.3022", kstatus: inProgress},
		{name: "ApiPublication/conflict, retried", kind: "ApiPublication", fixture: "conflict",
			want: degraded, wantMessage: "declared by another ApiPublication", kstatus: inProgress},
		{name: "ApiPublication/gateway not ready, retried", kind: "ApiPublication", fixture: "gateway-not-ready",
			want: degraded, wantMessage: "ApiGateway demo-apig is not Ready", kstatus: inProgress},
		{name: "ApiPublication/gateway unreachable, retried", kind: "ApiPublication", fixture: "unreachable",
			want: degraded, wantMessage: "i/o timeout; retrying", kstatus: inProgress},
		{name: "ApiPublication/namespace not admitted by the ClusterApiGateway, retried", kind: "ApiPublication",
			fixture: "namespace-not-allowed", want: degraded, wantMessage: "does not admit namespace shop-team", kstatus: inProgress},
		{name: "ApiPublication/rate limited, retried", kind: "ApiPublication", fixture: "rate-limited",
			want: degraded, wantMessage: "APIG.0308", kstatus: inProgress},
		{name: "ApiPublication/stalled on credentials", kind: "ApiPublication", fixture: "stalled-credentials",
			want: degraded, wantMessage: "fix the credentials of the ApiGateway", kstatus: failed},
		{name: "ApiPublication/stalled on an invalid spec", kind: "ApiPublication", fixture: "stalled-invalid-spec",
			want: degraded, wantMessage: "spec.state Suspended needs a DataArts gateway", kstatus: failed},
		// Suspended is Ready=False to kstatus: InProgress.
		{name: "ApiPublication/suspended", kind: "ApiPublication", fixture: "suspended",
			want: suspended, wantMessage: "spec.suspend", kstatus: inProgress},
		{name: "ApiPublication/suspend not yet observed", kind: "ApiPublication", fixture: "suspend-not-yet-observed",
			want: progressing, wantMessage: waiting + " to see generation 7", kstatus: inProgress},
		{name: "ApiPublication/observed, in sync", kind: "ApiPublication", fixture: "in-sync",
			want: healthy, wantMessage: "nothing to do", kstatus: current},
		// OutOfSync is Ready=False to kstatus: InProgress.
		{name: "ApiPublication/observed, out of sync", kind: "ApiPublication", fixture: "out-of-sync",
			want: degraded, wantMessage: "would be published", kstatus: inProgress},
		{name: "ApiPublication/spec change not yet observed", kind: "ApiPublication", fixture: "stale-generation",
			want: progressing, wantMessage: waiting + " to see generation 5", kstatus: inProgress},
		{name: "ApiPublication/no status yet", kind: "ApiPublication", fixture: "no-status",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiPublication/no conditions yet", kind: "ApiPublication", fixture: "no-conditions",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiPublication/deleting", kind: "ApiPublication", fixture: "deleting",
			want: progressing, wantMessage: "Pending deletion: Carrying out deletionPolicy Offline", kstatus: terminating},
		{name: "ApiPublication/deleting, gateway unreachable", kind: "ApiPublication", fixture: "deleting-gateway-unreachable",
			want: progressing, wantMessage: "Pending deletion: cannot take the APIs offline", kstatus: terminating},
		// Combinations the operator does not write, pinning down the rule taken from Argo
		// CD's Flux check: Ready=False is Degraded even with Reconciling=True (kstatus looks
		// at Reconciling first), and Reconciling=True keeps Ready=True from being Healthy.
		{name: "ApiPublication/Ready=False with Reconciling", kind: "ApiPublication", fixture: "ready-false-reconciling",
			want: degraded, wantMessage: "APIG.0308", kstatus: inProgress},
		{name: "ApiPublication/Ready=True with Reconciling", kind: "ApiPublication", fixture: "ready-true-reconciling",
			want: progressing, wantMessage: "1 APIs in flight", kstatus: inProgress},

		// ApiExport.
		{name: "ApiExport/converged", kind: "ApiExport", fixture: "healthy",
			want: healthy, wantMessage: "holds the OpenAPI 3.0 document", kstatus: current},
		{name: "ApiExport/export task running", kind: "ApiExport", fixture: "exporting",
			want: progressing, wantMessage: "Export task 6d3c2b1a0f9e4d8c is running", kstatus: inProgress},
		{name: "ApiExport/Ready=Unknown without message", kind: "ApiExport", fixture: "ready-unknown",
			want: progressing, wantMessage: "Progressing", kstatus: inProgress},
		// Retried failures: Ready=False alone is InProgress to kstatus (see above).
		{name: "ApiExport/export failed, retried", kind: "ApiExport", fixture: "export-failed",
			want: degraded, wantMessage: "export task 6d3c2b1a0f9e4d8c failed", kstatus: inProgress},
		{name: "ApiExport/gateway unreachable, retried", kind: "ApiExport", fixture: "unreachable",
			want: degraded, wantMessage: "i/o timeout; retrying", kstatus: inProgress},
		{name: "ApiExport/stalled on a target owned by someone else", kind: "ApiExport", fixture: "stalled-target-conflict",
			want: degraded, wantMessage: "not owned by this ApiExport", kstatus: failed},
		{name: "ApiExport/stalled on Secret targets turned off", kind: "ApiExport", fixture: "stalled-secret-targets",
			want: degraded, wantMessage: "may not write Secrets", kstatus: failed},
		{name: "ApiExport/spec change not yet observed", kind: "ApiExport", fixture: "stale-generation",
			want: progressing, wantMessage: waiting + " to see generation 2", kstatus: inProgress},
		{name: "ApiExport/no status yet", kind: "ApiExport", fixture: "no-status",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiExport/no conditions yet", kind: "ApiExport", fixture: "no-conditions",
			want: progressing, wantMessage: waiting, kstatus: current},
		{name: "ApiExport/deleting", kind: "ApiExport", fixture: "deleting",
			want: progressing, wantMessage: "Pending deletion; waiting for finalizers: publishing.apig-operator.dev/finalizer",
			kstatus: terminating},
	}

	script := loadScript(t)
	used := map[string]bool{}
	for _, tc := range tests {
		used[filepath.Join(tc.kind, tc.fixture+".yaml")] = true
		t.Run(tc.name, func(t *testing.T) {
			obj := loadFixture(t, tc.kind, tc.fixture)
			got, err := runHealth(script, obj.Object)
			if err != nil {
				t.Fatalf("health script: %v", err)
			}
			if got.Status != tc.want {
				t.Errorf("status = %q, want %q (message %q)", got.Status, tc.want, got.Message)
			}
			if got.Message == "" {
				t.Errorf("message is empty")
			}
			if !strings.Contains(got.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", got.Message, tc.wantMessage)
			}

			res, err := status.Compute(obj)
			if err != nil {
				t.Fatalf("kstatus: %v", err)
			}
			if res.Status != tc.kstatus {
				t.Errorf("kstatus = %s (%q), want %s", res.Status, res.Message, tc.kstatus)
			}
		})
	}

	// Every fixture has a case, so none is left untested.
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, err := filepath.Rel("testdata", f)
		if err != nil {
			t.Fatal(err)
		}
		if !used[rel] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

// TestFixturesAreValidObjects decodes each fixture strictly into its Go type, so that the
// fixtures keep the shape the operator writes when the API changes.
func TestFixturesAreValidObjects(t *testing.T) {
	for _, kind := range kinds {
		files, err := filepath.Glob(filepath.Join("testdata", kind, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Errorf("no fixtures for %s", kind)
		}
		for _, f := range files {
			t.Run(kind+"/"+strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var into any
				switch kind {
				case "ApiGateway":
					into = &v1alpha1.ApiGateway{}
				case "ClusterApiGateway":
					into = &v1alpha1.ClusterApiGateway{}
				case "ApiPublication":
					into = &v1alpha1.ApiPublication{}
				case "ApiExport":
					into = &v1alpha1.ApiExport{}
				}
				if err := yaml.UnmarshalStrict(data, into); err != nil {
					t.Fatalf("not a valid %s: %v", kind, err)
				}
				var head struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
				}
				if err := yaml.Unmarshal(data, &head); err != nil {
					t.Fatal(err)
				}
				if head.APIVersion != v1alpha1.GroupVersion.String() || head.Kind != kind {
					t.Errorf("apiVersion/kind = %s/%s, want %s/%s", head.APIVersion, head.Kind, v1alpha1.GroupVersion, kind)
				}
			})
		}
	}
}

// TestConfigMapMatchesScripts checks that argocd-cm-patch.yaml carries config/argocd/health/
// health.lua byte for byte under the key of each kind Argo CD looks it up by.
func TestConfigMapMatchesScripts(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(configDir, "argocd-cm-patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatalf("argocd-cm-patch.yaml: %v", err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Name != "argocd-cm" || cm.Namespace != "argocd" {
		t.Errorf("got %s %s %s/%s, want v1 ConfigMap argocd/argocd-cm", cm.APIVersion, cm.Kind, cm.Namespace, cm.Name)
	}
	want := map[string]bool{}
	for _, kind := range kinds {
		key := "resource.customizations.health." + group + "_" + kind
		want[key] = true
		t.Run(kind, func(t *testing.T) {
			got, ok := cm.Data[key]
			if !ok {
				t.Fatalf("data has no key %s", key)
			}
			if script := loadScript(t); got != script {
				t.Errorf("data[%s] differs from health/health.lua:\n%s", key, firstDifference(got, script))
			}
		})
	}
	var extra []string
	for key := range cm.Data {
		if !want[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 || len(cm.BinaryData) > 0 {
		t.Errorf("unexpected data keys %v (binaryData %d)", extra, len(cm.BinaryData))
	}
}

// TestToLua checks the conversion of a decoded object into a Lua table.
func TestToLua(t *testing.T) {
	obj := map[string]any{
		"s":     "text",
		"f":     1.5,
		"i":     int64(3),
		"n":     json.Number("7"),
		"yes":   true,
		"no":    false,
		"null":  nil,
		"list":  []any{"a", map[string]any{"k": "v"}, nil, 4.0},
		"empty": []any{},
		"nested": map[string]any{
			"deeper": map[string]any{"x": "y"},
		},
	}
	script := `
local function check(cond, what)
  if not cond then error("failed: " .. what) end
end
check(obj.s == "text", "string")
check(obj.f == 1.5, "float")
check(obj.i == 3, "int64")
check(obj.n == "7", "json.Number is a string, as in Argo CD")
check(obj.yes == true, "true")
check(obj.no == false, "false")
check(obj.null == nil, "nil")
check(obj.list[1] == "a", "array is 1-based")
check(obj.list[2].k == "v", "map in array")
check(obj.list[3] == nil, "nil in array")
check(obj.list[4] == 4, "array keeps positions after nil")
check(next(obj.empty) == nil, "empty array")
check(obj.nested.deeper.x == "y", "nested maps")
check(obj.missing == nil, "absent key")
return {status = "Healthy", message = "ok"}
`
	got, err := runHealth(script, obj)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != healthy {
		t.Errorf("status = %q", got.Status)
	}
	l := lua.NewState()
	defer l.Close()
	if _, err := toLua(l, map[string]any{"c": make(chan int)}); err == nil {
		t.Error("unsupported type: want an error")
	}
}

// runHealth runs a health script as Argo CD's util/lua does for a script from argocd-cm: a VM
// with only the package, base and table libraries (Argo CD adds a reduced os library, which
// these scripts do not use), a one-second limit, the object as global obj, and a table returned
// whose status is one Argo CD accepts. Argo CD shows an invalid status as Unknown; this is an
// error here.
func runHealth(script string, obj map[string]any) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return healthStatus{}, fmt.Errorf("open %q library: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)

	value, err := toLua(l, obj)
	if err != nil {
		return healthStatus{}, err
	}
	l.SetGlobal("obj", value)
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	var hs healthStatus
	st, ok := ret.RawGetString("status").(lua.LString)
	if !ok {
		return healthStatus{}, fmt.Errorf("hs.status is %s, not a string", ret.RawGetString("status").Type())
	}
	hs.Status = string(st)
	switch msg := ret.RawGetString("message").(type) {
	case lua.LString:
		hs.Message = string(msg)
	case *lua.LNilType:
	default:
		return healthStatus{}, fmt.Errorf("hs.message is %s, not a string", msg.Type())
	}
	switch hs.Status {
	case healthy, progressing, degraded, suspended, missing, unknown:
	default:
		return healthStatus{}, fmt.Errorf("lua returned an invalid health status %q", hs.Status)
	}
	return hs, nil
}

// toLua converts a decoded JSON or YAML value into a Lua value, like Argo CD's decodeValue:
// maps become tables keyed by string, arrays 1-based tables, numbers LNumber, and nil LNil.
// Unlike Argo CD it keeps an array's later items in place after a nil, and rejects types it
// does not know instead of turning them into nil.
func toLua(l *lua.LState, v any) (lua.LValue, error) {
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case string:
		return lua.LString(v), nil
	case bool:
		return lua.LBool(v), nil
	case float64:
		return lua.LNumber(v), nil
	case float32:
		return lua.LNumber(v), nil
	case int:
		return lua.LNumber(v), nil
	case int32:
		return lua.LNumber(v), nil
	case int64:
		return lua.LNumber(v), nil
	case json.Number:
		// As Argo CD does; objects decoded by the API machinery carry int64 and float64 instead.
		return lua.LString(v), nil
	case []any:
		tbl := l.CreateTable(len(v), 0)
		for i, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			tbl.RawSetInt(i+1, lv)
		}
		return tbl, nil
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, fmt.Errorf(".%s: %w", key, err)
			}
			tbl.RawSetString(key, lv)
		}
		return tbl, nil
	default:
		return nil, fmt.Errorf("cannot convert %T to a Lua value", v)
	}
}

// loadScript reads the health check, the same script for every kind.
func loadScript(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(configDir, "health", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// loadFixture decodes a fixture as the API machinery does (integers are int64), which is the
// form Argo CD hands its scripts and kstatus reads.
func loadFixture(t *testing.T, kind, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", kind, name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s/%s.yaml: %v", kind, name, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatalf("%s/%s.yaml: %v", kind, name, err)
	}
	if obj.GetKind() != kind {
		t.Fatalf("%s/%s.yaml has kind %v", kind, name, obj.GetKind())
	}
	return obj
}

// firstDifference describes where two texts first differ, line by line.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n  configmap: %q\n  file:      %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("configmap has %d lines, file %d", len(g), len(w))
}
