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

package controller

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	publishingv1alpha1 "github.com/apig-operator/apig-operator/api/v1alpha1"
)

// These specs test the generated CRD schemas as the API server enforces them: OpenAPI
// validation, CEL rules, defaults, printer columns and kubectl explain.

const (
	validGateway = `
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiGateway
metadata: {name: gw}
spec:
  provider: APIG
  endpoint: https://apig.cn-north-4.myhuaweicloud.com
  projectId: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
  instanceId: eddc4d25480b4cd6b512f270a1b8b341
  credentialsRef: {name: apig-credentials}
`
	validPublication = `
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiPublication
metadata: {name: pub}
spec:
  gatewayRef: {name: gw}
  environment: RELEASE
  apis:
  - id: 5f918d104dc84480a75166ba99efff21
`
	validExport = `
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ApiExport
metadata: {name: exp}
spec:
  gatewayRef: {name: gw}
  environment: RELEASE
  group: {name: shop}
  target: {configMap: {name: shop-openapi}}
`
	// validClusterGateway is cluster-scoped: it gets no namespace.
	validClusterGateway = `
apiVersion: publishing.apig-operator.dev/v1alpha1
kind: ClusterApiGateway
metadata: {name: cgw}
spec:
  provider: APIG
  endpoint: https://apig.cn-north-4.myhuaweicloud.com
  projectId: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
  instanceId: eddc4d25480b4cd6b512f270a1b8b341
  credentialsRef: {name: apig-credentials}
  namespaceSelector: {matchLabels: {apig-operator.dev/tenant: "true"}}
`
)

// newNamespace creates a namespace with a generated name and returns that name.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func() { Expect(k8sClient.Delete(ctx, ns)).To(Succeed()) })
	return ns.Name
}

func fromYAML(doc string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
	return u
}

// set replaces the value at a dotted path under the object; a nil value removes the field.
func set(u *unstructured.Unstructured, path string, value any) {
	fields := strings.Split(path, ".")
	if value == nil {
		unstructured.RemoveNestedField(u.Object, fields...)
		return
	}
	Expect(unstructured.SetNestedField(u.Object, value, fields...)).To(Succeed())
}

func kubectl(args ...string) (string, error) {
	stdout, stderr, err := kubectlRun(args...)
	out, _ := io.ReadAll(stdout)
	errOut, _ := io.ReadAll(stderr)
	return string(out) + string(errOut), err
}

var _ = Describe("CRD schemas", func() {
	It("accepts every sample and applies the documented defaults", func() {
		ns := newNamespace()
		files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "publishing_v1alpha1_*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveLen(7))
		for _, file := range files {
			data, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
			u := &unstructured.Unstructured{}
			Expect(dec.Decode(&u.Object)).To(Succeed(), file)
			u.SetNamespace(ns)
			Expect(k8sClient.Create(ctx, u)).To(Succeed(), file)
		}

		gw := &publishingv1alpha1.ApiGateway{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "demo-dataarts"}, gw)).To(Succeed())
		Expect(gw.Spec.ObserveInterval.Duration.String()).To(Equal("1m0s"))

		pub := &publishingv1alpha1.ApiPublication{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "get-user"}, pub)).To(Succeed())
		Expect(pub.Spec.State).To(Equal(publishingv1alpha1.StatePublished))
		Expect(pub.Spec.Versioning).To(Equal(publishingv1alpha1.VersioningKeep))
		Expect(pub.Spec.DeletionPolicy).To(Equal(publishingv1alpha1.DeletionPolicyOffline))
		Expect(pub.Spec.GatewayRef.Kind).To(Equal(publishingv1alpha1.KindApiGateway))

		exp := fromYAML(validExport)
		exp.SetNamespace(ns)
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		typed := &publishingv1alpha1.ApiExport{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), typed)).To(Succeed())
		Expect(typed.Spec.OASVersion).To(Equal("2.0"))
		Expect(typed.Spec.Define).To(Equal("spec"))
		Expect(typed.Spec.Format).To(Equal("json"))
		Expect(typed.Spec.Interval.Duration.String()).To(Equal("1h0m0s"))
	})

	// config/samples/cluster-gateway is outside make demo's kustomization, so nothing else
	// applies it. A server-side dry run validates each object as kubectl apply would, without
	// leaving a gateway for the manager to call.
	It("accepts the ClusterApiGateway samples", func() {
		dir := filepath.Join("..", "..", "config", "samples", "cluster-gateway")
		var kust struct {
			Resources []string `json:"resources"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(yaml.UnmarshalStrict(data, &kust)).To(Succeed())
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, f := range files {
			if filepath.Base(f) != "kustomization.yaml" {
				names = append(names, filepath.Base(f))
			}
		}
		Expect(kust.Resources).To(ConsistOf(names), "kustomization.yaml lists every sample in %s", dir)

		tenant := newNamespace()
		kinds := map[string]bool{}
		for _, name := range kust.Resources {
			file := filepath.Join(dir, name)
			data, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			u := &unstructured.Unstructured{}
			Expect(yaml.Unmarshal(data, &u.Object)).To(Succeed(), file)
			var typed any
			switch u.GetKind() {
			case "Namespace":
				typed = &corev1.Namespace{}
			case "Secret":
				typed = &corev1.Secret{}
				Expect(u.GetNamespace()).To(Equal(clusterResourceNamespace), "%s: the Secret is read from the manager's namespace", file)
			case "ClusterApiGateway":
				typed = &publishingv1alpha1.ClusterApiGateway{}
			case "ApiPublication":
				typed = &publishingv1alpha1.ApiPublication{}
				u.SetNamespace(tenant) // the sample's namespace is not created here
			default:
				Fail(fmt.Sprintf("%s: unexpected kind %q", file, u.GetKind()))
			}
			Expect(yaml.UnmarshalStrict(data, typed)).To(Succeed(), file)
			kinds[u.GetKind()] = true
			Expect(k8sClient.Create(ctx, u, client.DryRunAll)).To(Succeed(), file)

			switch u.GetKind() {
			case "ClusterApiGateway":
				cgw := &publishingv1alpha1.ClusterApiGateway{}
				Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, cgw)).To(Succeed())
				Expect(cgw.Spec.NamespaceSelector).NotTo(BeNil())
				Expect(cgw.Spec.NamespaceSelector.MatchLabels).To(HaveKeyWithValue("apig-operator.dev/tenant", "true"))
			case "ApiPublication":
				pub := &publishingv1alpha1.ApiPublication{}
				Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, pub)).To(Succeed())
				Expect(pub.Spec.GatewayRef.Kind).To(Equal(publishingv1alpha1.KindClusterApiGateway))
			}
		}
		Expect(kinds).To(HaveLen(4), "a tenant Namespace, the Secret, the ClusterApiGateway and an ApiPublication")
	})

	manyAPIs := func(n int) []any {
		apis := make([]any, n)
		for i := range apis {
			apis[i] = map[string]any{"name": "api_" + strings.Repeat("x", i%7) + string(rune('a'+i%26))}
		}
		return apis
	}

	DescribeTable("rejects an invalid object with a message naming the field",
		func(base string, mutate func(u *unstructured.Unstructured), wantField, wantMessage string) {
			u := fromYAML(base)
			if u.GetKind() != "ClusterApiGateway" {
				u.SetNamespace(newNamespace())
			}
			mutate(u)
			err := k8sClient.Create(ctx, u)
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantField))
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("remark of 256 characters", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.remark", strings.Repeat("r", 256)) },
			"spec.remark", "may not be more than 255"),
		Entry("1001 apis", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.apis", manyAPIs(1001)) },
			"spec.apis", "must have at most 1000 items"),
		Entry("both apis and group", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.group", map[string]any{"name": "shop"}) },
			"spec", "set exactly one of spec.apis or spec.group"),
		Entry("neither apis nor group", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.apis", nil) },
			"spec", "set exactly one of spec.apis or spec.group"),
		Entry("an API entry with both id and name", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", []any{map[string]any{"id": "5f918d104dc84480a75166ba99efff21", "name": "get_user"}})
			},
			"spec.apis[0]", "set exactly one of id or name for each API"),
		Entry("an API entry with neither id nor name", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", []any{map[string]any{"versionId": "ee1a5a38d3d3493abf1dc4ed6cacfa0b"}})
			},
			"spec.apis[0]", "set exactly one of id or name for each API"),
		Entry("an API id that is not 32 hex characters", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.apis", []any{map[string]any{"id": "5F918D10"}}) },
			"spec.apis[0].id", "should match"),
		Entry("a versionId that is not 32 hex characters", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", []any{map[string]any{"name": "get_user", "versionId": "v1"}})
			},
			"spec.apis[0].versionId", "should match"),
		Entry("an unknown state", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.state", "Deleted") },
			"spec.state", "Unsupported value"),
		Entry("an unknown versioning", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.versioning", "Latest") },
			"spec.versioning", "Unsupported value"),
		Entry("an unknown deletionPolicy", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.deletionPolicy", "Delete") },
			"spec.deletionPolicy", "Unsupported value"),
		Entry("a group with both id and name", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", nil)
				set(u, "spec.group", map[string]any{"name": "shop", "id": "c77f5e81d9cb4424bf704ef2b0ac7600"})
			},
			"spec.group", "set exactly one of id or name for the group"),
		Entry("an environment name with a space", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.environment", "MY ENV") },
			"spec.environment", "should match"),
		Entry("a missing gatewayRef", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.gatewayRef", nil) },
			"spec.gatewayRef", "Required value"),
		Entry("suspend as a string", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.suspend", "yes") },
			"spec.suspend", "must be of type boolean"),
		Entry("a gatewayRef kind that is neither ApiGateway nor ClusterApiGateway", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.gatewayRef.kind", "Gateway") },
			"spec.gatewayRef.kind", "Unsupported value"),
		Entry("a gatewayRef name that is not a DNS subdomain name", validPublication,
			func(u *unstructured.Unstructured) { set(u, "spec.gatewayRef.name", "-gw") },
			"spec.gatewayRef.name", "must be a DNS subdomain name"),
		Entry("the same API id twice", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", []any{
					map[string]any{"id": "5f918d104dc84480a75166ba99efff21"},
					map[string]any{"name": "get_user"},
					map[string]any{"id": "5f918d104dc84480a75166ba99efff21", "versionId": "ee1a5a38d3d3493abf1dc4ed6cacfa0b"},
				})
			},
			"spec.apis", "lists the same API id twice"),
		Entry("the same API name twice", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", []any{map[string]any{"name": "get_user"}, map[string]any{"name": "get_user"}})
			},
			"spec.apis", "lists the same API name twice"),
		Entry("a group with state Suspended", validPublication,
			func(u *unstructured.Unstructured) {
				set(u, "spec.apis", nil)
				set(u, "spec.group", map[string]any{"name": "shop"})
				set(u, "spec.state", "Suspended")
			},
			"spec.state", "spec.state Suspended is DataArts only and spec.group is APIG only"),

		Entry("an unknown provider", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.provider", "Kong") },
			"spec.provider", "Unsupported value"),
		Entry("DataArts without workspace", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.provider", "DataArts") },
			"spec.workspace", "spec.workspace is required when provider is DataArts"),
		Entry("APIG with a workspace", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.workspace", "ws-demo") },
			"spec.workspace", "must not be set for APIG"),
		Entry("an endpoint that is not an http(s) URL", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.endpoint", "apig.cn-north-4.myhuaweicloud.com") },
			"spec.endpoint", "should match"),
		Entry("an endpoint with user info", validGateway,
			func(u *unstructured.Unstructured) {
				set(u, "spec.endpoint", "https://user:secret@apig.cn-north-4.myhuaweicloud.com")
			},
			"spec.endpoint", "must not carry user info"),
		Entry("an endpoint with a query", validGateway,
			func(u *unstructured.Unstructured) {
				set(u, "spec.endpoint", "https://apig.cn-north-4.myhuaweicloud.com/?x=1")
			},
			"spec.endpoint", "must not carry user info"),
		Entry("an endpoint with a fragment", validGateway,
			func(u *unstructured.Unstructured) {
				set(u, "spec.endpoint", "https://apig.cn-north-4.myhuaweicloud.com/#x")
			},
			"spec.endpoint", "must not carry user info"),
		Entry("a projectId that is not 32 hex characters", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.projectId", "my-project") },
			"spec.projectId", "should match"),
		Entry("an observeInterval under 5s", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.observeInterval", "1s") },
			"spec.observeInterval", "must be at least 5s"),
		Entry("an observeInterval that is not a duration", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.observeInterval", "often") },
			"spec.observeInterval", "should match"),
		Entry("an observeInterval over 24h", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.observeInterval", "24h0m1s") },
			"spec.observeInterval", "must be at most 24h"),
		Entry("an observeInterval beyond what a duration holds", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.observeInterval", "9999999999h") },
			"spec.observeInterval", "must be at most 24h"),
		Entry("a credentialsRef name that is not a DNS subdomain name", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.credentialsRef.name", "APIG_credentials") },
			"spec.credentialsRef.name", "must be a DNS subdomain name"),
		Entry("a CA bundle name that is not a DNS subdomain name", validGateway,
			func(u *unstructured.Unstructured) {
				set(u, "spec.tls", map[string]any{"caBundleRef": map[string]any{"name": "ca bundle"}})
			},
			"spec.tls.caBundleRef.name", "must be a DNS subdomain name"),
		Entry("a rate limit of zero", validGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.rateLimit", map[string]any{"qps": int64(0)}) },
			"spec.rateLimit.qps", "should be greater than or equal to 1"),
		Entry("a CA bundle and insecureSkipVerify together", validGateway,
			func(u *unstructured.Unstructured) {
				set(u, "spec.tls", map[string]any{"insecureSkipVerify": true, "caBundleRef": map[string]any{"name": "ca"}})
			},
			"spec.tls", "set either spec.tls.caBundleRef or spec.tls.insecureSkipVerify"),

		Entry("a ClusterApiGateway on DataArts without workspace", validClusterGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.provider", "DataArts") },
			"spec.workspace", "spec.workspace is required when provider is DataArts"),
		Entry("a ClusterApiGateway with an observeInterval under 5s", validClusterGateway,
			func(u *unstructured.Unstructured) { set(u, "spec.observeInterval", "1s") },
			"spec.observeInterval", "must be at least 5s"),

		Entry("an unknown oasVersion", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.oasVersion", "3.1") },
			"spec.oasVersion", "Unsupported value"),
		Entry("an unknown define", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.define", "everything") },
			"spec.define", "Unsupported value"),
		Entry("an unknown format", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.format", "xml") },
			"spec.format", "Unsupported value"),
		Entry("a missing group", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.group", nil) },
			"spec.group", "Required value"),
		Entry("both a ConfigMap and a Secret target", validExport,
			func(u *unstructured.Unstructured) {
				set(u, "spec.target.secret", map[string]any{"name": "shop-openapi"})
			},
			"spec.target", "set exactly one of spec.target.configMap or spec.target.secret"),
		Entry("an interval under a minute", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.interval", "30s") },
			"spec.interval", "must be at least 1m"),
		Entry("an export gatewayRef kind that is neither ApiGateway nor ClusterApiGateway", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.gatewayRef.kind", "Gateway") },
			"spec.gatewayRef.kind", "Unsupported value"),
		Entry("an export gatewayRef name that is not a DNS subdomain name", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.gatewayRef.name", "gw.") },
			"spec.gatewayRef.name", "must be a DNS subdomain name"),
		Entry("a target ConfigMap name that is not a DNS subdomain name", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.target.configMap.name", "Shop_OpenAPI") },
			"spec.target.configMap.name", "must be a DNS subdomain name"),
		Entry("a target Secret name that is not a DNS subdomain name", validExport,
			func(u *unstructured.Unstructured) {
				set(u, "spec.target", map[string]any{"secret": map[string]any{"name": "shop..openapi"}})
			},
			"spec.target.secret.name", "must be a DNS subdomain name"),
		Entry("a target key of .", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.target.configMap.key", ".") },
			"spec.target.configMap.key", "key must not be . or .."),
		Entry("a target key of ..", validExport,
			func(u *unstructured.Unstructured) {
				set(u, "spec.target", map[string]any{"secret": map[string]any{"name": "shop-openapi", "key": ".."}})
			},
			"spec.target.secret.key", "key must not be . or .."),
		Entry("a target key ending in .gz", validExport,
			func(u *unstructured.Unstructured) { set(u, "spec.target.configMap.key", "openapi.json.gz") },
			"spec.target.configMap.key", "key must not end in .gz"),
	)

	It("accepts what each rule allows up to its limit", func() {
		ns := newNamespace()
		ids := make([]any, 1000) // the most a rule's cost may allow: one batch call of distinct IDs
		for i := range ids {
			ids[i] = map[string]any{"id": fmt.Sprintf("%032x", i)}
		}
		pub := fromYAML(validPublication)
		pub.SetNamespace(ns)
		set(pub, "spec.apis", ids)
		set(pub, "spec.gatewayRef.name", "shop.gw-1")
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())

		group := fromYAML(validPublication)
		group.SetNamespace(ns)
		group.SetName("group")
		set(group, "spec.apis", nil)
		set(group, "spec.group", map[string]any{"name": "shop"})
		set(group, "spec.state", "Offline")
		Expect(k8sClient.Create(ctx, group)).To(Succeed())

		gw := fromYAML(validGateway)
		gw.SetNamespace(ns)
		set(gw, "spec.observeInterval", "24h")
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())

		exp := fromYAML(validExport)
		exp.SetNamespace(ns)
		set(exp, "spec.target.configMap.key", "openapi.gz.json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
	})

	It("takes an event note cut to the API server's limit", func() {
		ns := newNamespace()
		long := strings.Repeat("é", maxEventNote) // 2 bytes each
		event := func(name, note string) *eventsv1.Event {
			return &eventsv1.Event{
				ObjectMeta:          metav1.ObjectMeta{Namespace: ns, Name: name},
				EventTime:           metav1.NewMicroTime(time.Now()),
				ReportingController: "publishing.apig-operator.dev/test", ReportingInstance: "test",
				Action: "Reconcile", Reason: "Stalled", Type: corev1.EventTypeWarning,
				Regarding: corev1.ObjectReference{Kind: "ApiPublication", Namespace: ns, Name: "pub"},
				Note:      note,
			}
		}
		err := k8sClient.Create(ctx, event("uncut", long))
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "the API server takes notes over %d bytes: %v", maxEventNote, err)
		Expect(k8sClient.Create(ctx, event("cut", eventNote(long)))).To(Succeed())
	})

	It("keeps spec.provider immutable", func() {
		u := fromYAML(validGateway)
		u.SetNamespace(newNamespace())
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
		orig := u.DeepCopy()
		set(u, "spec.provider", "DataArts")
		set(u, "spec.workspace", "ws-demo")
		// A patch, not an update: the controller may have written the status meanwhile.
		err := k8sClient.Patch(ctx, u, client.MergeFrom(orig))
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.provider is immutable"))
	})

	It("documents the fields for kubectl explain", func() {
		Eventually(func(g Gomega) {
			out, err := kubectl("explain", "apipublication.spec.deletionPolicy")
			g.Expect(err).NotTo(HaveOccurred(), out)
			GinkgoWriter.Println(out)
			words := strings.Join(strings.Fields(out), " ") // kubectl wraps lines
			g.Expect(words).To(ContainSubstring("FIELD: deletionPolicy <string>"))
			g.Expect(words).To(ContainSubstring("deletionPolicy says what deleting this object does on the gateway"))
			g.Expect(words).To(ContainSubstring("Retain: the gateway is left untouched"))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("lists every kind under the apig category with the Ready and Reason columns", func() {
		ns := newNamespace()
		for _, doc := range []string{validGateway, validPublication, validExport} {
			u := fromYAML(doc)
			u.SetNamespace(ns)
			Expect(k8sClient.Create(ctx, u)).To(Succeed())
		}
		cgw := fromYAML(validClusterGateway)
		cgw.SetName("cgw-" + ns) // cluster-scoped: a name of its own for this spec
		Expect(k8sClient.Create(ctx, cgw)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, cgw)).To(Succeed()) })
		Eventually(func(g Gomega) {
			out, err := kubectl("get", "apig", "-n", ns)
			g.Expect(err).NotTo(HaveOccurred(), out)
			g.Expect(out).To(ContainSubstring("apigateway.publishing.apig-operator.dev/gw"))
			g.Expect(out).To(ContainSubstring("clusterapigateway.publishing.apig-operator.dev/cgw-" + ns))
			g.Expect(out).To(ContainSubstring("apipublication.publishing.apig-operator.dev/pub"))
			g.Expect(out).To(ContainSubstring("apiexport.publishing.apig-operator.dev/exp"))
			g.Expect(out).To(MatchRegexp(`NAME\s+GATEWAY\s+ENVIRONMENT\s+STATE\s+APIS\s+READY\s+REASON\s+AGE`))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})
})
