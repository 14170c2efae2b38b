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

package apigctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

const (
	testProject  = "0123456789abcdef0123456789abcdef"
	testInstance = "fedcba9876543210fedcba9876543210"
	testAK       = "TESTAK"
	testSK       = "TESTSK-not-printed"
	testNS       = "team-a"
	testToken    = "console-token"
)

func hexID(n int) string { return fmt.Sprintf("%032x", n) }

// world is a simulator with APIs published in RELEASE and TEST (one pinned to an older
// version) and a cluster, as a fake client, holding a Ready ApiGateway for it.
type world struct {
	sim    *gatewaysim.Server
	client client.Client
	url    string
}

func newWorld(t *testing.T, objs ...client.Object) *world {
	t.Helper()
	pub := func(env string, versions ...string) gatewaysim.SeedPublication {
		return gatewaysim.SeedPublication{Environment: env, Versions: versions}
	}
	seed := &gatewaysim.Seed{
		AccessKeys: []gatewaysim.SeedAccessKey{{AccessKey: testAK, SecretKey: testSK}}, Tokens: []string{testToken},
		Projects: []gatewaysim.SeedProject{{ID: testProject, APIG: []gatewaysim.SeedInstance{{
			InstanceID:   testInstance,
			Environments: []gatewaysim.SeedEnvironment{{ID: hexID(900), Name: "TEST"}},
			Groups: []gatewaysim.SeedGroup{
				{ID: hexID(800), Name: "shop", APIs: []gatewaysim.SeedAPI{
					{ID: hexID(1), Name: "list-items", Path: "/items", Published: []gatewaysim.SeedPublication{
						pub("RELEASE", hexID(101)), pub("TEST", hexID(111), hexID(112))}},
					{ID: hexID(2), Name: "get-item", Path: "/items/{id}", Published: []gatewaysim.SeedPublication{
						pub("RELEASE", hexID(201), hexID(202), hexID(203))}},
					{ID: hexID(3), Name: "draft", Path: "/draft"},
				}},
				{ID: hexID(801), Name: "admin", APIs: []gatewaysim.SeedAPI{
					{ID: hexID(4), Name: "stats", Path: "/stats", Published: []gatewaysim.SeedPublication{pub("RELEASE", hexID(401))}},
				}},
			},
		}}}},
	}
	sim, err := gatewaysim.New(seed, gatewaysim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	// The second version of list-items in TEST is live; pin TEST back to the first.
	if err := switchVersion(srv.URL, hexID(1), hexID(111)); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	gw := &v1alpha1.ApiGateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "gw"},
		Spec: v1alpha1.ApiGatewaySpec{Provider: v1alpha1.ProviderAPIG, Endpoint: srv.URL, ProjectID: testProject,
			InstanceID: testInstance, CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"}},
		Status: v1alpha1.ApiGatewayStatus{Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded, LastTransitionTime: metav1.Now()}}},
	}
	all := append([]client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}}, gw,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "creds"},
			Data: map[string][]byte{"accessKey": []byte(testAK), "secretKey": []byte(testSK)}},
	}, objs...)
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(all...).
		WithStatusSubresource(&v1alpha1.ApiGateway{}, &v1alpha1.ApiPublication{}).Build()
	return &world{sim: sim, client: c, url: srv.URL}
}

// switchVersion makes a version live, as a console user would.
func switchVersion(url, apiID, versionID string) error {
	req, err := http.NewRequest(http.MethodPut, url+"/v2/"+testProject+"/apigw/instances/"+testInstance+
		"/apis/publish/"+apiID, strings.NewReader(`{"version_id":"`+versionID+`"}`))
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck
	if resp.StatusCode >= 300 {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("switch version: %d %s", resp.StatusCode, body)
	}
	return nil
}

// run runs apigctl against the world and returns its exit code and outputs.
func (w *world) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	connect := func(c *common) (*Session, error) {
		ns := c.namespace
		if ns == "" {
			ns = testNS
		}
		s := NewSession(w.client, ns, c)
		s.Now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
		return s, nil
	}
	args = append(args, "--allowed-endpoints=127.0.0.1", "--insecure-allow-http")
	code := Main(args, Streams{Out: &out, Err: &errOut}, connect)
	if strings.Contains(out.String()+errOut.String(), testSK) {
		t.Fatal("the secret key was printed")
	}
	return code, out.String(), errOut.String()
}

// decode reads the ApiPublications of a multi-document YAML.
func decode(t *testing.T, manifests string) []v1alpha1.ApiPublication {
	t.Helper()
	var out []v1alpha1.ApiPublication
	for _, doc := range strings.Split(manifests, "\n---\n") {
		var pub v1alpha1.ApiPublication
		if err := yaml.UnmarshalStrict([]byte(doc), &pub); err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
		out = append(out, pub)
	}
	return out
}

func TestImportDeclaresWhatIsPublished(t *testing.T) {
	w := newWorld(t)
	code, out, stderr := w.run(t, "import", "--gateway", testNS+"/gw", "--pin")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pubs := decode(t, out)
	if len(pubs) != 2 {
		t.Fatalf("want one object per environment with APIs, got %d:\n%s", len(pubs), out)
	}
	release, test := pubs[0], pubs[1]
	if release.Name != "gw-release" || test.Name != "gw-test" || release.Namespace != testNS {
		t.Errorf("names: %s/%s, %s", release.Namespace, release.Name, test.Name)
	}
	want := []v1alpha1.PublishedApi{{Name: "get-item", VersionID: hexID(203)}, {Name: "list-items", VersionID: hexID(101)},
		{Name: "stats", VersionID: hexID(401)}}
	if got := release.Spec.APIs; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("RELEASE declares %v, want %v", got, want)
	}
	if got := test.Spec.APIs; fmt.Sprint(got) != fmt.Sprint([]v1alpha1.PublishedApi{{Name: "list-items", VersionID: hexID(111)}}) {
		t.Errorf("TEST declares %v, want list-items pinned to its older, live version", got)
	}
	if release.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve || release.Spec.Environment != "RELEASE" ||
		release.Spec.GatewayRef.Name != "gw" {
		t.Errorf("spec: %+v", release.Spec)
	}
	if _, again, _ := w.run(t, "import", "--gateway", testNS+"/gw", "--pin"); again != out {
		t.Error("a second import printed something else")
	}
	if st := w.sim.Stats(); st.Writes != 1 { // the console's version switch
		t.Errorf("import wrote to the gateway: %+v", st.Operations)
	}
}

func TestImportPerGroupByIDInOneEnvironment(t *testing.T) {
	w := newWorld(t)
	code, out, stderr := w.run(t, "import", "--gateway", "gw", "--environment", "RELEASE", "--per-group", "--by", "id",
		"--management-policy", "Manage")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pubs := decode(t, out)
	if len(pubs) != 2 || pubs[0].Name != "gw-release-admin" || pubs[1].Name != "gw-release-shop" {
		t.Fatalf("want one object per group, got:\n%s", out)
	}
	if fmt.Sprint(pubs[1].Spec.APIs) != fmt.Sprint([]v1alpha1.PublishedApi{{ID: hexID(2)}, {ID: hexID(1)}}) {
		t.Errorf("shop declares %v", pubs[1].Spec.APIs)
	}
	if pubs[0].Spec.ManagementPolicy != v1alpha1.ManagementPolicyManage {
		t.Errorf("policy %s", pubs[0].Spec.ManagementPolicy)
	}
}

func TestImportErrors(t *testing.T) {
	// A gateway that cannot be reached: a port nothing listens on any more.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	unreachable := &v1alpha1.ApiGateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "unreachable"},
		Spec: v1alpha1.ApiGatewaySpec{Provider: v1alpha1.ProviderAPIG, Endpoint: deadURL, ProjectID: testProject,
			InstanceID: testInstance, CredentialsRef: v1alpha1.LocalObjectReference{Name: "creds"}},
		Status: v1alpha1.ApiGatewayStatus{Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded, LastTransitionTime: metav1.Now()}}},
	}
	w := newWorld(t, unreachable)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--gateway", "nope"}, "ApiGateway nope does not exist"},
		{[]string{"--gateway", testNS + "/gw", "--environment", "STAGING"}, "environment STAGING does not exist"},
		{[]string{"--gateway", "other/gw", "-n", testNS}, "is in namespace other but --namespace is " + testNS},
		{[]string{"--gateway", "gw", "--by", "label"}, `--by "label"`},
		{[]string{"--gateway", "unreachable"}, "list the environments of ApiGateway unreachable"},
	} {
		code, out, stderr := w.run(t, append([]string{"import"}, tc.args...)...)
		if code != ExitError || !strings.Contains(stderr, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

// writeManifest writes YAML into a file of a new directory and returns the directory.
func writeManifest(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pubs.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlanPrintsWhatWouldChange(t *testing.T) {
	// The stored object publishes stats too; the manifest drops it, adds draft, pins get-item
	// back and keeps list-items.
	w := newWorld(t)
	stored := &v1alpha1.ApiPublication{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "shop", UID: "uid-shop",
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))},
		Spec: v1alpha1.ApiPublicationSpec{GatewayRef: v1alpha1.GatewayReference{Kind: v1alpha1.KindApiGateway, Name: "gw"},
			Environment: "RELEASE", State: v1alpha1.StatePublished, ManagementPolicy: v1alpha1.ManagementPolicyManage,
			APIs: []v1alpha1.PublishedApi{{Name: "list-items"}, {Name: "stats"}}},
		Status: v1alpha1.ApiPublicationStatus{
			Instance: "APIG/" + strings.TrimPrefix(w.url, "http://") + "/" + testProject + "/" + testInstance, Gateway: "gw", EnvironmentID: "DEFAULT_ENVIRONMENT_RELEASE_ID",
			APIs: []v1alpha1.ApiPublicationApiStatus{{ID: hexID(1), Name: "list-items", State: "Published"},
				{ID: hexID(4), Name: "stats", State: "Published"}}},
	}
	status := stored.Status
	if err := w.client.Create(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	stored.Status = status
	if err := w.client.Status().Update(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	changed := writeManifest(t, `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata:
  name: shop
spec:
  gatewayRef: {name: gw}
  environment: RELEASE
  apis:
  - name: list-items
  - name: get-item
    versionId: `+hexID(201)+`
  - name: draft
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
`)
	code, out, stderr := w.run(t, "plan", "-f", changed)
	if code != ExitChanges {
		t.Fatalf("exit %d, want 2; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, line := range []string{"+ publish   draft (" + hexID(3) + ")",
		"~ switch    get-item (" + hexID(2) + ") to version " + hexID(201),
		"- release   stats (" + hexID(4) + ")", "Plan: 1 to publish, 1 to switch version, 1 to release"} {
		if !strings.Contains(out, line) {
			t.Errorf("the plan lacks %q:\n%s", line, out)
		}
	}
	if !strings.Contains(stderr, "1 objects of other kinds ignored") {
		t.Errorf("stderr: %s", stderr)
	}

	code, out, _ = w.run(t, "plan", "-f", changed, "-o", "json")
	var plan Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != ExitChanges {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if plan.Changes != 3 || len(plan.Objects) != 1 || plan.Objects[0].Reason != v1alpha1.ReasonOutOfSync {
		t.Errorf("json plan: %+v", plan)
	}

	unchanged := writeManifest(t, `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: shop, namespace: `+testNS+`}
spec:
  gatewayRef: {name: gw}
  environment: RELEASE
  apis: [{name: list-items}, {name: stats}]
`)
	if code, out, stderr := w.run(t, "plan", "-f", filepath.Join(unchanged, "pubs.yaml")); code != ExitOK ||
		!strings.Contains(out, "No changes") {
		t.Errorf("unchanged: exit %d:\n%s\n%s", code, out, stderr)
	}
	if st := w.sim.Stats(); st.Writes != 1 { // the console's version switch
		t.Errorf("plan wrote to the gateway: %+v", st.Operations)
	}
	after := &v1alpha1.ApiPublication{}
	if err := w.client.Get(t.Context(), client.ObjectKeyFromObject(stored), after); err != nil ||
		len(after.Spec.APIs) != 2 || after.Status.Releasing != nil {
		t.Errorf("plan changed the stored object: %v %+v", err, after)
	}
}

func TestPlanErrors(t *testing.T) {
	w := newWorld(t)
	missing := writeManifest(t, `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: p}
spec: {gatewayRef: {name: nope}, environment: RELEASE, apis: [{name: draft}]}
`)
	code, out, _ := w.run(t, "plan", "-f", missing)
	if code != ExitError || !strings.Contains(out, "ApiGateway nope does not exist") {
		t.Errorf("missing gateway: exit %d:\n%s", code, out)
	}
	typo := writeManifest(t, `apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: p}
spec: {gatewayRef: {name: gw}, environmnt: RELEASE, apis: [{name: draft}]}
`)
	if code, _, stderr := w.run(t, "plan", "-f", typo); code != ExitError || !strings.Contains(stderr, "environmnt") {
		t.Errorf("unknown field: exit %d: %s", code, stderr)
	}
	if code, _, stderr := w.run(t, "plan"); code != ExitError || !strings.Contains(stderr, "-f FILE|DIR is required") {
		t.Errorf("no file: exit %d: %s", code, stderr)
	}
}
