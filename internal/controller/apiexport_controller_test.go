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
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
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
			GatewayRef: v1alpha1.LocalObjectReference{Name: g.gw.Name}, Environment: "RELEASE",
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
