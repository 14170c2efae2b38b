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
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gateway/driver"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// shopGateway is a simulator with the demo's shop group: two APIs published in RELEASE, one
// not.
func shopGateway() *simGateway {
	return newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
		APIs: []gatewaysim.SeedAPI{
			apiSeed(hexID(1), "get_user", gatewaysim.SeedPublication{Environment: "RELEASE", Versions: []string{hexID(101)}}),
			apiSeed(hexID(2), "list_orders", gatewaysim.SeedPublication{Environment: "RELEASE", Versions: []string{hexID(102)}}),
			apiSeed(hexID(3), "create_order"),
		}}}}, nil)
}

func (g *simGateway) export(name, oas, format string) *v1alpha1.ApiExport {
	return &v1alpha1.ApiExport{
		ObjectMeta: metav1.ObjectMeta{Namespace: g.ns, Name: name},
		Spec: v1alpha1.ApiExportSpec{
			GatewayRef: v1alpha1.GatewayReference{Name: g.gw.Name}, Environment: "RELEASE",
			Group: v1alpha1.GroupReference{Name: "shop"}, OASVersion: oas, Define: "spec", Format: format,
			Target: v1alpha1.ExportTarget{ConfigMap: &v1alpha1.ExportTargetObject{Name: name}},
		},
	}
}

func exportReady(exp *v1alpha1.ApiExport, status metav1.ConditionStatus, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := readyOf(g, exp, func() []metav1.Condition { return exp.Status.Conditions })
		g.Expect(c.Status).To(Equal(status), c.Message)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// document returns the exported document held by a ConfigMap.
func document(ns, name, key string) string {
	GinkgoHelper()
	cm := &corev1.ConfigMap{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cm)).To(Succeed())
	Expect(cm.Data).To(HaveKey(key))
	return cm.Data[key]
}

// operations counts the operations of an OpenAPI 3.0 document, validating it first.
func operations3(doc string) []string {
	GinkgoHelper()
	spec, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	Expect(err).NotTo(HaveOccurred())
	Expect(spec.Validate(context.Background())).To(Succeed())
	var ids []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	return ids
}

var _ = Describe("ApiExport", func() {
	It("keeps an OpenAPI 3.0 document of the published APIs in a ConfigMap, updated when one more is published", func() {
		g := shopGateway()
		exp := g.export("shop-openapi", "3.0", "json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		Expect(operations3(document(g.ns, "shop-openapi", "openapi.json"))).To(ConsistOf("get_user", "list_orders"))
		Expect(exp.Status.APICount).To(Equal(int32(2)))
		Expect(exp.Status.ContentSHA256).To(HaveLen(64))
		Expect(exp.Status.TaskID).To(BeEmpty())
		Expect(g.calls("ExportApiDefinitionsAsync", "202")).To(Equal(1))

		By("exporting nothing more while nothing changes")
		Consistently(func() int { return g.calls("ExportApiDefinitionsAsync", "202") }).
			WithTimeout(2 * g.gw.Spec.ObserveInterval.Duration).WithPolling(time.Second).Should(Equal(1))

		By("publishing create_order through an ApiPublication")
		pub := g.publication("create-order", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{Name: "create_order"}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		start := time.Now()
		Eventually(func() []string { return operations3(document(g.ns, "shop-openapi", "openapi.json")) }).
			WithTimeout(10 * time.Second).Should(ConsistOf("get_user", "list_orders", "create_order"))
		GinkgoWriter.Printf("the document followed the publication in %s\n", time.Since(start))
		Expect(g.calls("ExportApiDefinitionsAsync", "202")).To(Equal(2))
		// The document is written before the status that describes it: wait for the status.
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp)).To(Succeed())
			g.Expect(exp.Status.APICount).To(Equal(int32(3)))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)

		By("deleting the ApiExport, which deletes the ConfigMap")
		Expect(k8sClient.Delete(ctx, exp)).To(Succeed())
		Eventually(func() error {
			return k8sClient.Get(ctx, client.ObjectKey{Namespace: g.ns, Name: "shop-openapi"}, &corev1.ConfigMap{})
		}).WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
	})

	It("writes Swagger 2.0 as YAML", func() {
		g := shopGateway()
		exp := g.export("shop-swagger", "2.0", "yaml")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		doc := document(g.ns, "shop-swagger", "openapi.yaml")
		var swagger openapi2.T
		data, err := yaml.YAMLToJSON([]byte(doc))
		Expect(err).NotTo(HaveOccurred())
		Expect(swagger.UnmarshalJSON(data)).To(Succeed())
		Expect(swagger.Swagger).To(Equal("2.0"))
		ops := 0
		for _, item := range swagger.Paths {
			ops += len(item.Operations())
		}
		Expect(ops).To(Equal(2))
	})

	It("keeps the previous document and says why when a task fails", func() {
		g := shopGateway()
		exp := g.export("shop-openapi", "3.0", "json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		before := document(g.ns, "shop-openapi", "openapi.json")

		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "ExportApiDefinitionsAsync", TaskStatus: "failed"})).To(Succeed())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp)).To(Succeed())
		exp.Spec.Version = "2.0.0" // a spec change: export again
		Expect(k8sClient.Update(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionFalse, v1alpha1.ReasonExportFailed)
		Expect(findExportReady(exp).Message).To(And(ContainSubstring("APIG.9999"), ContainSubstring("previous document is kept")))
		Expect(document(g.ns, "shop-openapi", "openapi.json")).To(Equal(before))
	})

	It("resumes the task it started after a restart instead of starting another", func() {
		g := shopGateway()
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "ShowAsyncTaskResult", Status: 503})).To(Succeed())
		exp := g.export("shop-openapi", "3.0", "json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		var taskID string
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp)).To(Succeed())
			g2.Expect(exp.Status.TaskID).NotTo(BeEmpty())
			taskID = exp.Status.TaskID
		}).WithTimeout(20 * time.Second).Should(Succeed())

		By("restarting the manager while the task is in flight")
		restartManager()
		g.sim.ClearFaults()
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		Expect(g.calls("ExportApiDefinitionsAsync", "202")).To(Equal(1), "a second export was started")
		var polled []string
		for _, c := range g.sim.Calls() {
			if c.Operation == "ShowAsyncTaskResult" && c.Status == 200 {
				polled = append(polled, c.Path[strings.LastIndex(c.Path, "/")+1:])
			}
		}
		Expect(polled).NotTo(BeEmpty())
		Expect(polled).To(HaveEach(taskID))
	})

	It("exports again when what is published changes while its task runs: the older document is not taken as current", func() {
		g := shopGateway()
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "ShowAsyncTaskResult", Status: 503})).To(Succeed())
		exp := g.export("shop-openapi", "3.0", "json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp)).To(Succeed())
			g2.Expect(exp.Status.TaskID).NotTo(BeEmpty())
			g2.Expect(exp.Status.TaskSourceDigest).NotTo(BeEmpty())
		}).WithTimeout(20 * time.Second).Should(Succeed())

		By("publishing create_order while the task, started before, is in flight")
		pub := g.publication("create-order", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{Name: "create_order"}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		g.sim.ClearFaults()

		// The simulator's task holds the document as of its start, without create_order.
		Eventually(func(g2 Gomega) {
			cm := &corev1.ConfigMap{}
			g2.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: g.ns, Name: "shop-openapi"}, cm)).To(Succeed())
			g2.Expect(operations3(cm.Data["openapi.json"])).To(ConsistOf("get_user", "list_orders", "create_order"))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(g.calls("ExportApiDefinitionsAsync", "202")).To(Equal(2))
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp)).To(Succeed())
			g2.Expect(exp.Status.APICount).To(Equal(int32(3)))
			g2.Expect(exp.Status.TaskID).To(BeEmpty())
			g2.Expect(exp.Status.TaskSourceDigest).To(BeEmpty())
		}).WithTimeout(10 * time.Second).Should(Succeed())
	})

	It("writes to a Secret with Secret targets enabled, and deletes it with the export while the gateway is unreachable", func() {
		g := shopGateway()
		exp := g.export("shop-openapi", "3.0", "json")
		exp.Spec.Target = v1alpha1.ExportTarget{Secret: &v1alpha1.ExportTargetObject{Name: "shop-openapi"}}
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: g.ns, Name: "shop-openapi"}, secret)).To(Succeed())
		Expect(metav1.IsControlledBy(secret, exp)).To(BeTrue())
		Expect(operations3(string(secret.Data["openapi.json"]))).To(ConsistOf("get_user", "list_orders"))

		By("deleting the export while the gateway drops every connection: the finalizer needs no gateway call")
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "*", Drop: true})).To(Succeed())
		Expect(k8sClient.Delete(ctx, exp)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(exp), exp) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(secret), secret) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
	})

	It("refuses to overwrite a ConfigMap it does not own", func() {
		g := shopGateway()
		Expect(k8sClient.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: g.ns, Name: "taken"},
			Data: map[string]string{"mine": "keep"}})).To(Succeed())
		exp := g.export("taken", "3.0", "json")
		Expect(k8sClient.Create(ctx, exp)).To(Succeed())
		exportReady(exp, metav1.ConditionFalse, v1alpha1.ReasonTargetConflict)
		cm := &corev1.ConfigMap{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: g.ns, Name: "taken"}, cm)).To(Succeed())
		Expect(cm.Data).To(Equal(map[string]string{"mine": "keep"}))

		By("removing the ConfigMap in the way, which brings the export back")
		Expect(k8sClient.Delete(ctx, cm)).To(Succeed())
		exportReady(exp, metav1.ConditionTrue, v1alpha1.ReasonSucceeded)
		Expect(operations3(document(g.ns, "taken", "openapi.json"))).To(ConsistOf("get_user", "list_orders"))
	})
})

func findExportReady(exp *v1alpha1.ApiExport) metav1.Condition {
	for _, c := range exp.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c
		}
	}
	return metav1.Condition{}
}

// TestApiExportSecretTargets: without --enable-secret-targets the manager's role may not write
// Secrets, so an export to a Secret writes nothing and says how to turn it on. Deleting an
// export never waits on a Secret delete the manager may not make: the Secret is left to the
// garbage collector. With the flag and the permission, the finalizer deletes it.
func TestApiExportSecretTargets(t *testing.T) {
	const ns = "team-a"
	sch := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(sch))
	utilruntime.Must(v1alpha1.AddToScheme(sch))
	newExport := func() *v1alpha1.ApiExport {
		return &v1alpha1.ApiExport{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-openapi", UID: "uid-exp", Generation: 1},
			Spec: v1alpha1.ApiExportSpec{GatewayRef: v1alpha1.GatewayReference{Name: "gw"}, Environment: "RELEASE",
				Group:  v1alpha1.GroupReference{Name: "shop"},
				Target: v1alpha1.ExportTarget{Secret: &v1alpha1.ExportTargetObject{Name: "shop-openapi"}}},
		}
	}
	// ownedSecret is the document an earlier run, with the flag, wrote.
	ownedSecret := func(exp *v1alpha1.ApiExport) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-openapi",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ApiExport",
				Name: exp.Name, UID: exp.UID, Controller: ptr.To(true)}}},
			Data: map[string][]byte{"openapi.json": []byte("{}")}}
	}
	// build returns a reconciler over a fake API server on which the manager may write Secrets
	// or not (canWrite), and the list of forbidden Secret writes it attempted.
	build := func(secretTargets, canWrite bool, objs ...client.Object) (*ApiExportReconciler, client.Client, *[]string) {
		var writes []string
		forbidSecrets := func(verb string, obj client.Object) error {
			if _, ok := obj.(*corev1.Secret); !ok || canWrite {
				return nil
			}
			writes = append(writes, verb+" "+obj.GetName())
			return apierrors.NewForbidden(corev1.Resource("secrets"), obj.GetName(), errors.New("RBAC: not granted"))
		}
		c := fake.NewClientBuilder().WithScheme(sch).WithObjects(objs...).WithStatusSubresource(&v1alpha1.ApiExport{}).
			WithInterceptorFuncs(interceptor.Funcs{
				Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
					if err := forbidSecrets("create", obj); err != nil {
						return err
					}
					return c.Create(ctx, obj, opts...)
				},
				Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
					if err := forbidSecrets("update", obj); err != nil {
						return err
					}
					return c.Update(ctx, obj, opts...)
				},
				Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
					if err := forbidSecrets("patch", obj); err != nil {
						return err
					}
					return c.Patch(ctx, obj, p, opts...)
				},
				Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
					if err := forbidSecrets("delete", obj); err != nil {
						return err
					}
					return c.Delete(ctx, obj, opts...)
				},
			}).Build()
		// A pass that reached the gateway would stop at the missing ApiGateway, with another reason.
		return &ApiExportReconciler{Client: c, Reader: c, Scheme: sch, SecretTargets: secretTargets,
			Connections: &Connector{Reader: c, Registry: driver.NewRegistry()}}, c, &writes
	}
	reconcileOnce := func(t *testing.T, r *ApiExportReconciler) ctrl.Result {
		t.Helper()
		res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: "shop-openapi"}})
		if err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
		return res
	}

	t.Run("an export to a Secret writes nothing and names the flag and the component", func(t *testing.T) {
		r, c, writes := build(false, false, newExport())
		if res := reconcileOnce(t, r); res != (ctrl.Result{}) {
			t.Errorf("result = %+v, want none: only a restart with the flag changes the outcome", res)
		}
		exp := &v1alpha1.ApiExport{}
		if err := c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "shop-openapi"}, exp); err != nil {
			t.Fatal(err)
		}
		ready := meta.FindStatusCondition(exp.Status.Conditions, v1alpha1.ConditionReady)
		if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != v1alpha1.ReasonSecretTargetsDisabled {
			t.Fatalf("Ready = %+v, want False with reason %s", ready, v1alpha1.ReasonSecretTargetsDisabled)
		}
		for _, want := range []string{"--enable-secret-targets", "config/components/secret-targets", "spec.target.configMap"} {
			if !strings.Contains(ready.Message, want) {
				t.Errorf("message %q does not mention %s", ready.Message, want)
			}
		}
		if !meta.IsStatusConditionTrue(exp.Status.Conditions, v1alpha1.ConditionStalled) {
			t.Errorf("not Stalled: nothing but the flag can make progress")
		}
		secrets := &corev1.SecretList{}
		if err := c.List(context.Background(), secrets); err != nil {
			t.Fatal(err)
		}
		if len(secrets.Items) != 0 || len(*writes) != 0 {
			t.Errorf("Secrets = %d, attempted writes %v: want none", len(secrets.Items), *writes)
		}
	})

	for _, tc := range []struct {
		reason                  string
		secretTargets, canWrite bool
		// deleted: the finalizer deletes the Secret; otherwise the garbage collector will.
		deleted bool
		// attempts are the forbidden writes tried.
		attempts []string
	}{
		{reason: "enabled, the finalizer deletes the Secret it owns", secretTargets: true, canWrite: true, deleted: true},
		{reason: "disabled, the Secret is left to the garbage collector without a forbidden call"},
		{reason: "enabled without RBAC in this namespace, a forbidden delete does not keep the ApiExport",
			secretTargets: true, attempts: []string{"delete shop-openapi"}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			exp := newExport()
			exp.Finalizers = []string{v1alpha1.Finalizer}
			r, c, writes := build(tc.secretTargets, tc.canWrite, exp, ownedSecret(exp))
			if err := c.Delete(context.Background(), exp); err != nil {
				t.Fatal(err)
			}
			reconcileOnce(t, r)
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(exp), &v1alpha1.ApiExport{}); !apierrors.IsNotFound(err) {
				t.Fatalf("the ApiExport is still there (%v): its finalizer was not released", err)
			}
			err := c.Get(context.Background(), client.ObjectKeyFromObject(exp), &corev1.Secret{})
			if tc.deleted && !apierrors.IsNotFound(err) {
				t.Errorf("the finalizer left the Secret it owns (%v)", err)
			}
			if !tc.deleted && err != nil {
				t.Errorf("the Secret is gone (%v): the garbage collector, not the manager, removes it", err)
			}
			if !slices.Equal(*writes, tc.attempts) {
				t.Errorf("forbidden Secret writes tried = %v, want %v", *writes, tc.attempts)
			}
		})
	}
}

// TestTargetWriteError: a write RBAC refuses says what to grant and waits, instead of
// retrying a bare "forbidden".
func TestTargetWriteError(t *testing.T) {
	forbidden := apierrors.NewForbidden(corev1.Resource("secrets"), "shop-openapi", errors.New("RBAC: not granted"))
	exp := &v1alpha1.ApiExport{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "shop-openapi"},
		Spec: v1alpha1.ApiExportSpec{Target: v1alpha1.ExportTarget{Secret: &v1alpha1.ExportTargetObject{Name: "shop-openapi"}}}}
	var pe *passError
	if err := targetWriteError(exp, forbidden); !errors.As(err, &pe) || pe.reason != v1alpha1.ReasonTargetForbidden ||
		pe.class != gateway.Waiting || !strings.Contains(pe.Error(), secretTargetsComponent) || !strings.Contains(pe.Error(), "team-a") {
		t.Errorf("forbidden Secret write: %v", err)
	}
	other := errors.New("connection refused")
	if err := targetWriteError(exp, other); err != other {
		t.Errorf("another error was changed: %v", err)
	}
}
