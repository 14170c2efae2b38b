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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// newGateway returns an ApiGateway of the simulator in namespace ns using Secret secret.
func newGateway(ns, name, secret string, provider v1alpha1.Provider) *v1alpha1.ApiGateway {
	gw := &v1alpha1.ApiGateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ApiGatewaySpec{
			Provider: provider, Endpoint: simURL, ProjectID: simProject, InstanceID: simInstance,
			CredentialsRef:  v1alpha1.LocalObjectReference{Name: secret},
			ObserveInterval: &metav1.Duration{Duration: 5 * time.Second},
		},
	}
	if provider == v1alpha1.ProviderDataArts {
		gw.Spec.InstanceID, gw.Spec.Workspace = simCluster, simWorkspace
	}
	return gw
}

func newSecret(ns, name string, data map[string]string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}
}

// readyCondition returns the Ready condition of an object of the three kinds.
func readyOf(g Gomega, obj client.Object, conds func() []metav1.Condition) metav1.Condition {
	g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	c := meta.FindStatusCondition(conds(), v1alpha1.ConditionReady)
	g.Expect(c).NotTo(BeNil(), "no Ready condition yet")
	return *c
}

var _ = Describe("ApiGateway", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	gatewayReady := func(g Gomega, gw *v1alpha1.ApiGateway) metav1.Condition {
		return readyOf(g, gw, func() []metav1.Condition { return gw.Status.Conditions })
	}

	It("becomes Ready with AK/SK credentials and lists the environments", func() {
		Expect(k8sClient.Create(ctx, newSecret(ns, "creds", map[string]string{"accessKey": simAK, "secretKey": simSK}))).To(Succeed())
		gw := newGateway(ns, "apig", "creds", v1alpha1.ProviderAPIG)
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonSucceeded))
			g.Expect(c.ObservedGeneration).To(Equal(gw.Generation))
			g.Expect(gw.Status.ObservedGeneration).To(Equal(gw.Generation))
			g.Expect(gw.Status.Environments).To(ContainElement(v1alpha1.Environment{ID: "DEFAULT_ENVIRONMENT_RELEASE_ID", Name: "RELEASE"}))
			g.Expect(meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			g.Expect(meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeNil())
		}).WithTimeout(20 * time.Second).Should(Succeed())
		Expect(testutil.ToFloat64(connector.Metrics.Calls.WithLabelValues(ns+"/apig", "ListEnvironmentsV2", "ok"))).
			To(BeNumerically(">=", 1), "the probe is counted in apig_gateway_calls_total")
	})

	It("becomes Ready with a token, and a DataArts gateway too", func() {
		Expect(k8sClient.Create(ctx, newSecret(ns, "token", map[string]string{"token": simToken}))).To(Succeed())
		apig := newGateway(ns, "apig", "token", v1alpha1.ProviderAPIG)
		das := newGateway(ns, "dataarts", "token", v1alpha1.ProviderDataArts)
		Expect(k8sClient.Create(ctx, apig)).To(Succeed())
		Expect(k8sClient.Create(ctx, das)).To(Succeed())
		for _, gw := range []*v1alpha1.ApiGateway{apig, das} {
			Eventually(func(g Gomega) {
				c := gatewayReady(g, gw)
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			}).WithTimeout(20 * time.Second).Should(Succeed())
		}
	})

	It("names the missing Secret, and becomes Ready once it exists", func() {
		gw := newGateway(ns, "apig", "not-yet", v1alpha1.ProviderAPIG)
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonSecretNotFound))
			g.Expect(c.Message).To(ContainSubstring("Secret " + ns + "/not-yet"))
			g.Expect(meta.IsStatusConditionTrue(gw.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeFalse())
		}).WithTimeout(20 * time.Second).Should(Succeed())

		Expect(k8sClient.Create(ctx, newSecret(ns, "not-yet", map[string]string{"accessKey": simAK}))).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonSecretKeyMissing))
			g.Expect(c.Message).To(ContainSubstring("has accessKey but no secretKey"))
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})

	It("is Stalled with AuthenticationFailed for a wrong key, and recovers when the Secret is fixed", func() {
		secret := newSecret(ns, "creds", map[string]string{"accessKey": simAK, "secretKey": "wrong-secret-4d1b"})
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		gw := newGateway(ns, "apig", "creds", v1alpha1.ProviderAPIG)
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonAuthenticationFailed))
			g.Expect(c.Message).To(ContainSubstring("APIGW.0301"))
			g.Expect(meta.IsStatusConditionTrue(gw.Status.Conditions, v1alpha1.ConditionStalled)).To(BeTrue())
		}).WithTimeout(20 * time.Second).Should(Succeed())
		Eventually(func(g Gomega) {
			evs := &eventsv1.EventList{}
			g.Expect(k8sClient.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
			reasons := []string{}
			for _, e := range evs.Items {
				reasons = append(reasons, e.Type+"/"+e.Reason)
			}
			g.Expect(reasons).To(ContainElement("Warning/" + v1alpha1.ReasonAuthenticationFailed))
		}).WithTimeout(20 * time.Second).Should(Succeed())

		By("fixing the Secret, with no restart")
		secret.StringData = map[string]string{"secretKey": simSK}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			g.Expect(meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})

	It("reports an unknown instance with the gateway's code", func() {
		Expect(k8sClient.Create(ctx, newSecret(ns, "creds", map[string]string{"token": simToken}))).To(Succeed())
		gw := newGateway(ns, "apig", "creds", v1alpha1.ProviderAPIG)
		gw.Spec.InstanceID = "ffffffffffffffffffffffffffffffff"
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())
		Eventually(func(g Gomega) {
			c := gatewayReady(g, gw)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonGatewayError))
			g.Expect(c.Message).To(ContainSubstring("APIG.3030"))
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})
})
