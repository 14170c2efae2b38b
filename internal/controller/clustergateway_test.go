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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

var _ = Describe("ClusterApiGateway", func() {
	It("publishes for the namespaces it admits, refuses the others, and keeps the credentials out of them", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(hexID(1), "one")}}}}, nil)
		admitted, refused := newNamespace(), newNamespace()
		tenant := "tenant-" + admitted
		Expect(k8sClient.Patch(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: admitted,
			Labels: map[string]string{"apig-operator.dev/tenant": tenant}}}, client.Merge)).To(Succeed())

		By("creating the gateway and its Secret in the manager's namespace")
		secret := newSecret(clusterResourceNamespace, "creds-"+admitted, map[string]string{"accessKey": simAK, "secretKey": simSK})
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, secret)).To(Succeed()) })
		cgw := &v1alpha1.ClusterApiGateway{ObjectMeta: metav1.ObjectMeta{Name: "shared-" + admitted},
			Spec: v1alpha1.ClusterApiGatewaySpec{ApiGatewaySpec: g.gw.Spec,
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"apig-operator.dev/tenant": tenant}}}}
		cgw.Spec.CredentialsRef.Name = secret.Name
		Expect(k8sClient.Create(ctx, cgw)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, cgw)).To(Succeed()) })
		Eventually(func(g2 Gomega) {
			c := readyOf(g2, cgw, func() []metav1.Condition { return cgw.Status.Conditions })
			g2.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			g2.Expect(cgw.Status.Environments).NotTo(BeEmpty())
		}).WithTimeout(20 * time.Second).Should(Succeed())

		ref := v1alpha1.GatewayReference{Kind: v1alpha1.KindClusterApiGateway, Name: cgw.Name}
		spec := v1alpha1.ApiPublicationSpec{GatewayRef: ref, Environment: "RELEASE", State: v1alpha1.StatePublished,
			APIs: []v1alpha1.PublishedApi{{ID: hexID(1)}}}

		By("publishing from an admitted namespace")
		pub := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: admitted, Name: "via-cluster"}, Spec: spec}
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("one", "RELEASE")).NotTo(BeEmpty())
		Expect(pub.Status.Gateway).To(Equal("ClusterApiGateway/" + cgw.Name))

		By("refusing a namespace the selector does not admit, with no call")
		writes := g.sim.Stats().Writes
		other := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: refused, Name: "via-cluster"}, Spec: spec}
		other.Spec.State = v1alpha1.StateOffline
		Expect(k8sClient.Create(ctx, other)).To(Succeed())
		ready(other, metav1.ConditionFalse, v1alpha1.ReasonNamespaceNotAllowed, 20*time.Second)
		Expect(findReady(other).Message).To(ContainSubstring("does not admit namespace " + refused))
		Expect(g.sim.Stats().Writes).To(Equal(writes))
		Expect(g.liveVersion("one", "RELEASE")).NotTo(BeEmpty())

		By("the tenant namespace holds no credentials")
		secrets := &corev1.SecretList{}
		Expect(k8sClient.List(ctx, secrets, client.InNamespace(admitted))).To(Succeed())
		Expect(secrets.Items).To(BeEmpty())

		By("deleting the admitted publication takes its API offline through the cluster gateway")
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		gone(pub)
		Expect(g.liveVersion("one", "RELEASE")).To(BeEmpty())
	})
})
