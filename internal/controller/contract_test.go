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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// otherNamespace gives the simulator of g a second ApiGateway, in a namespace of its own: the
// same gateway instance reached by another team.
func (g *simGateway) otherNamespace() *simGateway {
	GinkgoHelper()
	other := &simGateway{sim: g.sim, url: g.url, ns: newNamespace()}
	other.gw = readyGateway(other.ns, "team-gw", g.url, g.gw.Spec.Provider)
	return other
}

// update applies change to the latest version of pub.
func update(pub *v1alpha1.ApiPublication, change func(*v1alpha1.ApiPublication)) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub); err != nil {
			return err
		}
		change(pub)
		return k8sClient.Update(ctx, pub)
	}).Should(Succeed())
}

// laterSecond waits until objects created now are younger than obj: creation times have whole
// seconds, and objects of the same second are ordered by namespace and name.
func laterSecond(obj client.Object) {
	GinkgoHelper()
	created := obj.GetCreationTimestamp().Time
	Eventually(func() bool { return time.Now().After(created.Add(time.Second)) }).
		WithTimeout(3 * time.Second).WithPolling(50 * time.Millisecond).Should(BeTrue())
}

// gone waits until pub no longer exists.
func gone(pub *v1alpha1.ApiPublication) {
	GinkgoHelper()
	Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
		WithTimeout(30 * time.Second).Should(MatchError(ContainSubstring("not found")))
}

var _ = Describe("The declarative contract", func() {
	twoAPIs := gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{
		{Name: "shop", APIs: []gatewaysim.SeedAPI{apiSeed(hexID(1), "one"), apiSeed(hexID(2), "two")}},
		{ID: hexID(100), Name: "admin"},
	}}
	both := []v1alpha1.PublishedApi{{ID: hexID(1)}, {ID: hexID(2)}}

	It("takes offline an API removed from spec.apis, leaves the other live, and remembers it across a restart", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		pub := g.publication("prune", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		kept := g.liveVersion("one", "RELEASE")
		Expect(kept).NotTo(BeEmpty())
		Expect(g.liveVersion("two", "RELEASE")).NotTo(BeEmpty())

		By("removing the second API from the spec while the manager is down")
		stopManager()
		update(pub, func(p *v1alpha1.ApiPublication) { p.Spec.APIs = both[:1] })
		startManager()

		interval := g.gw.Spec.ObserveInterval.Duration
		Eventually(func() string { return g.liveVersion("two", "RELEASE") }).WithTimeout(interval).Should(BeEmpty())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("one", "RELEASE")).To(Equal(kept), "the API still declared was touched")
		Expect(pub.Status.Releasing).To(BeEmpty())
		Expect(pub.Status.APIs).To(HaveLen(1))
		expectEvent(g.ns, "TakenOffline")
	})

	It("leaves an API removed from spec.apis live with deletionPolicy Retain", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		pub := g.publication("retain", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both,
			DeletionPolicy: v1alpha1.DeletionPolicyRetain})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		writes := g.sim.Stats().Writes

		update(pub, func(p *v1alpha1.ApiPublication) { p.Spec.APIs = both[:1] })
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
			g2.Expect(pub.Status.ObservedGeneration).To(Equal(pub.Generation))
			g2.Expect(pub.Status.APIs).To(HaveLen(1))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		Consistently(func() string { return g.liveVersion("two", "RELEASE") }).
			WithTimeout(g.gw.Spec.ObserveInterval.Duration).ShouldNot(BeEmpty())
		Expect(g.sim.Stats().Writes).To(Equal(writes))
		Expect(pub.Status.Releasing).To(BeEmpty())
	})

	It("takes offline an API that left the group on the gateway", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		pub := g.publication("group", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", Group: &v1alpha1.GroupReference{Name: "shop"}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("two", "RELEASE")).NotTo(BeEmpty())

		By("moving the API to another group on the console")
		code, body := g.call("PUT", "/apis/"+hexID(2), `{"name":"two","type":1,"req_protocol":"HTTPS","req_method":"GET",`+
			`"req_uri":"/two","auth_type":"NONE","backend_type":"MOCK","group_id":"`+hexID(100)+`"}`)
		Expect(code).To(Equal(200), body)
		Eventually(func() string { return g.liveVersion("two", "RELEASE") }).
			WithTimeout(2*g.gw.Spec.ObserveInterval.Duration + 5*time.Second).Should(BeEmpty())
		Expect(g.liveVersion("one", "RELEASE")).NotTo(BeEmpty())
	})

	It("takes the APIs offline in the old environment when spec.environment changes", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		pub := g.publication("move", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)

		code, body := g.call("POST", "/envs", `{"name":"TEST"}`)
		Expect(code).To(Equal(201), body)
		update(pub, func(p *v1alpha1.ApiPublication) { p.Spec.Environment = "TEST" })
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		for _, name := range []string{"one", "two"} {
			Expect(g.liveVersion(name, "TEST")).NotTo(BeEmpty(), name)
			Expect(g.liveVersion(name, "RELEASE")).To(BeEmpty(), name)
		}
	})

	It("lets the older of two namespaces keep an API they want in different states, with no call for it", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		other := g.otherNamespace()
		owner := g.publication("owner", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both[:1]})
		Expect(k8sClient.Create(ctx, owner)).To(Succeed())
		ready(owner, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		version := g.liveVersion("one", "RELEASE")
		writes := g.sim.Stats().Writes

		laterSecond(owner)
		rival := other.publication("rival", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{Name: "one"}}, State: v1alpha1.StateOffline})
		Expect(k8sClient.Create(ctx, rival)).To(Succeed())
		ready(rival, metav1.ConditionFalse, v1alpha1.ReasonConflict, 20*time.Second)
		Expect(findReady(rival).Message).To(ContainSubstring("ApiPublication " + g.ns + "/owner"))

		By("making no publish or offline call for it over three observe intervals")
		Consistently(func(g2 Gomega) {
			g2.Expect(g.sim.Stats().Writes).To(Equal(writes))
			g2.Expect(g.liveVersion("one", "RELEASE")).To(Equal(version))
		}).WithTimeout(3 * g.gw.Spec.ObserveInterval.Duration).WithPolling(500 * time.Millisecond).Should(Succeed())
		ready(owner, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, time.Second)
	})

	It("lets two namespaces that want the same state share an API, and keeps it live when either is deleted", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, twoAPIs, nil)
		other := g.otherNamespace()
		first := g.publication("first", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both[:1]})
		Expect(k8sClient.Create(ctx, first)).To(Succeed())
		ready(first, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		laterSecond(first)
		second := other.publication("second", v1alpha1.ApiPublicationSpec{Environment: "DEFAULT_ENVIRONMENT_RELEASE_ID",
			APIs: []v1alpha1.PublishedApi{{Name: "one"}}})
		Expect(k8sClient.Create(ctx, second)).To(Succeed())
		ready(second, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		version := g.liveVersion("one", "RELEASE")

		By("deleting the older one: the newer still declares the API")
		Expect(k8sClient.Delete(ctx, first)).To(Succeed())
		gone(first)
		Consistently(func() string { return g.liveVersion("one", "RELEASE") }).
			WithTimeout(g.gw.Spec.ObserveInterval.Duration).Should(Equal(version))
		ready(second, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)

		By("creating a third, then deleting the older of the two left")
		third := g.publication("third", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: both[:1]})
		Expect(k8sClient.Create(ctx, third)).To(Succeed())
		ready(third, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(k8sClient.Delete(ctx, second)).To(Succeed())
		gone(second)
		Consistently(func() string { return g.liveVersion("one", "RELEASE") }).
			WithTimeout(g.gw.Spec.ObserveInterval.Duration).Should(Equal(version))
	})

	It("unpublishes on deletion a DataArts API whose publish landed but whose status write was lost", func() {
		cluster := &gatewaysim.SeedCluster{APIs: []gatewaysim.SeedDataAPI{{ID: "4704f5a0b6c24e0c9d8e7f6a5b4c3d21", Name: "sales_report",
			Path: "/reports/sales"}}}
		g := newSimGateway(v1alpha1.ProviderDataArts, gatewaysim.SeedInstance{}, cluster)
		dataStatus := func() string { return g.sim.State().Projects[simProject].DataArts[simCluster].APIs[0].Status }
		pub := g.publication("lost-status", v1alpha1.ApiPublicationSpec{APIs: []v1alpha1.PublishedApi{{Name: "sales_report"}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_PUBLISHED"))

		By("losing the status write: the manager is down, and status forgets the publish")
		stopManager()
		Eventually(func() error {
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub); err != nil {
				return err
			}
			pub.Status = v1alpha1.ApiPublicationStatus{}
			return k8sClient.Status().Update(ctx, pub)
		}).Should(Succeed())
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		startManager()

		gone(pub)
		Expect(dataStatus()).To(Equal("API_STATUS_WAITING_OFFLINE"))
	})
})
