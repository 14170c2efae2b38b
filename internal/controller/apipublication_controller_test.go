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
	. "github.com/onsi/gomega/gstruct"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

const (
	getUserID = "5f918d104dc84480a75166ba99efff21"
	versionA  = "ee1a5a38d3d3493abf1dc4ed6cacfa0b"
	versionB  = "632b2c9e022941969af9a1d45735ae2c"
	missingID = "abd9c4b2ff974888b0ba79be7e6b2762"
)

// kstatusOf computes the kstatus of an object as kubectl, Flux and Argo CD's kstatus do.
func kstatusOf(obj client.Object) status.Status {
	GinkgoHelper()
	data, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: data})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}

var _ = Describe("ApiPublication", func() {
	It("publishes one API (seed 000), records the gateway's publish record, and takes it offline", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("get-user", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}, Remark: "Published to production"})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)

		version, publishID := g.live("get_user", "RELEASE")
		Expect(pub.Status.APIs).To(HaveLen(1))
		Expect(pub.Status.APIs[0]).To(MatchFields(IgnoreExtras, Fields{
			"ID": Equal(getUserID), "Name": Equal("get_user"), "State": Equal("Published"),
			"PublishID": Equal(publishID), "VersionID": Equal(version), "PublishTime": Not(BeNil()),
		}))
		Expect(*pub.Status.Summary).To(Equal(v1alpha1.ApiPublicationSummary{Total: 1, Published: 1}))
		Expect(g.calls("BatchPublishOrOfflineApiV2", "200")).To(Equal(1))
		Expect(kstatusOf(pub)).To(Equal(status.CurrentStatus))

		By("setting state: Offline")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
		pub.Spec.State = v1alpha1.StateOffline
		Expect(k8sClient.Update(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("get_user", "RELEASE")).To(BeEmpty())
		Expect(pub.Status.APIs[0].State).To(Equal("Offline"))
	})

	It("converges 50 APIs with one batch call (seed 001), and reports a missing API per API", func() {
		apis := make([]gatewaysim.SeedAPI, 50)
		entries := make([]v1alpha1.PublishedApi, 50)
		for i := range apis {
			apis[i] = apiSeed(hexID(i+1), "api_"+hexID(i + 1)[26:])
			entries[i] = v1alpha1.PublishedApi{ID: hexID(i + 1)}
		}
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "bulk", APIs: apis}}}, nil)
		pub := g.publication("fifty", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: entries})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.calls("BatchPublishOrOfflineApiV2", "200")).To(Equal(1))
		Expect(pub.Status.Summary.Published).To(Equal(int32(50)))

		By("naming an API that does not exist, next to one that does")
		partial := g.publication("partial", v1alpha1.ApiPublicationSpec{Environment: "TEST",
			APIs: []v1alpha1.PublishedApi{{ID: hexID(1)}, {ID: missingID}}})
		Expect(k8sClient.Create(ctx, g.envTEST(partial))).To(Succeed())
		ready(partial, metav1.ConditionFalse, v1alpha1.ReasonPartialFailure, 20*time.Second)
		c := findReady(partial)
		Expect(c.Message).To(ContainSubstring("1 of 2 APIs failed: APIG.3002"))
		Expect(partial.Status.APIs).To(ContainElement(MatchFields(IgnoreExtras, Fields{
			"ID": Equal(missingID), "Error": PointTo(MatchFields(IgnoreExtras, Fields{"Code": Equal("APIG.3002")}))})))
		Expect(partial.Status.APIs).To(ContainElement(MatchFields(IgnoreExtras, Fields{
			"ID": Equal(hexID(1)), "State": Equal("Published"), "Error": BeNil()})))
		Expect(g.liveVersion("api_"+hexID(1)[26:], "TEST")).NotTo(BeEmpty())
	})

	It("switches to a pinned older version (seed 002), and reports a version that does not exist", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user",
				gatewaysim.SeedPublication{Environment: "RELEASE", Versions: []string{versionA, versionB}})}}}}, nil)
		Expect(g.liveVersion("get_user", "RELEASE")).To(Equal(versionB))
		pub := g.publication("pinned", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{Name: "get_user", VersionID: versionA}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("get_user", "RELEASE")).To(Equal(versionA))
		Expect(pub.Status.APIs[0].VersionID).To(Equal(versionA))
		Expect(g.calls("ChangeApiVersionV2", "200")).To(Equal(1))
		Expect(g.calls("BatchPublishOrOfflineApiV2", "200")).To(Equal(0), "a pinned API is switched, not republished")

		By("pinning a version that does not exist")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
		pub.Spec.APIs[0].VersionID = missingID
		Expect(k8sClient.Update(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonVersionNotFound, 20*time.Second)
		Expect(pub.Status.APIs[0].Error.Code).To(Equal("APIG.3022"))
		Expect(g.liveVersion("get_user", "RELEASE")).To(Equal(versionA), "the live version stays")
	})

	It("adopts an API already published as declared, without a new version", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user",
				gatewaysim.SeedPublication{Environment: "RELEASE", Versions: []string{versionA}})}}}}, nil)
		pub := g.publication("adopt", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", Group: &v1alpha1.GroupReference{Name: "shop"}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.sim.Stats().Writes).To(Equal(0))
		Expect(g.liveVersion("get_user", "RELEASE")).To(Equal(versionA))
	})

	It("puts back an API taken offline behind its back, and makes no write call while converged", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("drift", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		writes := g.sim.Stats().Writes

		By("making no write call over three observe intervals")
		interval := g.gw.Spec.ObserveInterval.Duration
		Consistently(func() int { return g.sim.Stats().Writes }).WithTimeout(3 * interval).WithPolling(time.Second).Should(Equal(writes))

		By("taking the API offline through the gateway's own API")
		code, body := g.call("POST", "/apis/action", `{"action":"offline","api_id":"`+getUserID+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)
		Expect(code).To(Equal(201), body)
		Expect(g.liveVersion("get_user", "RELEASE")).To(BeEmpty())
		Eventually(func() string { return g.liveVersion("get_user", "RELEASE") }).
			WithTimeout(2*interval + 5*time.Second).WithPolling(200 * time.Millisecond).ShouldNot(BeEmpty())
		Eventually(func() float64 {
			return testutilValue(connector.Metrics.Drift.WithLabelValues(g.ns+"/gw", "RELEASE"))
		}).Should(Equal(1.0))
		expectEvent(g.ns, "DriftCorrected")
	})

	It("takes its APIs offline on delete with deletionPolicy Offline, and touches nothing with Retain", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(hexID(1), "one"), apiSeed(hexID(2), "two")}}}}, nil)
		offline := g.publication("offline", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: hexID(1)}}})
		retain := g.publication("retain", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: hexID(2)}},
			DeletionPolicy: v1alpha1.DeletionPolicyRetain})
		for _, p := range []*v1alpha1.ApiPublication{offline, retain} {
			Expect(k8sClient.Create(ctx, p)).To(Succeed())
			ready(p, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		}
		Expect(k8sClient.Delete(ctx, offline)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(offline), offline) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.liveVersion("one", "RELEASE")).To(BeEmpty())

		writes := g.sim.Stats().Writes
		Expect(k8sClient.Delete(ctx, retain)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(retain), retain) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.liveVersion("two", "RELEASE")).NotTo(BeEmpty())
		Expect(g.sim.Stats().Writes).To(Equal(writes))
	})

	It("takes offline what a publish in flight at deletion publishes, once it lands", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(hexID(1), "one")}}}}, nil)
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "BatchPublishOrOfflineApiV2", Latency: "3s", Count: 1})).To(Succeed())
		pub := g.publication("racing", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: hexID(1)}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		Eventually(func() []string {
			_ = k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)
			return pub.Finalizers
		}).Should(ContainElement(v1alpha1.Finalizer))
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
			WithTimeout(30 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.calls("BatchPublishOrOfflineApiV2", "200")).To(Equal(2), "the publish, then the offline")
		Expect(g.liveVersion("one", "RELEASE")).To(BeEmpty())
	})

	It("makes no gateway call while suspended, and releases a suspended object without one", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		before := g.sim.Stats().Total
		pub := g.publication("suspended", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}, Suspend: true})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonSuspended, 20*time.Second)
		By("bumping requested-at, which is echoed without a call")
		pub.Annotations = map[string]string{v1alpha1.ReconcileRequestAnnotation: "now-1"}
		Expect(k8sClient.Update(ctx, pub)).To(Succeed())
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
			g2.Expect(pub.Status.LastHandledReconcileAt).To(Equal("now-1"))
		}).Should(Succeed())
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.sim.Stats().Total).To(Equal(before), "a suspended object made gateway calls")
	})

	It("keeps an API with the older of two objects that claim it, without flapping", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		// Created in the same second, objects are ordered by name: "a-older" is the older here.
		older := g.publication("a-older", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, older)).To(Succeed())
		ready(older, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		newer := g.publication("b-newer", v1alpha1.ApiPublicationSpec{Environment: "DEFAULT_ENVIRONMENT_RELEASE_ID",
			APIs: []v1alpha1.PublishedApi{{Name: "get_user"}}, State: v1alpha1.StateOffline})
		Expect(k8sClient.Create(ctx, newer)).To(Succeed())
		ready(newer, metav1.ConditionFalse, v1alpha1.ReasonConflict, 20*time.Second)
		Expect(findReady(newer).Message).To(ContainSubstring("ApiPublication " + g.ns + "/a-older"))
		// A conflict is a failed attempt, retried: Degraded in Argo CD, not Stalled.
		Expect(conditionTrue(newer, v1alpha1.ConditionStalled)).To(BeFalse())
		Expect(conditionTrue(newer, v1alpha1.ConditionReconciling)).To(BeFalse())
		Expect(kstatusOf(newer)).To(Equal(status.InProgressStatus))
		Consistently(func() string { return g.liveVersion("get_user", "RELEASE") }).
			WithTimeout(3 * time.Second).ShouldNot(BeEmpty())
	})

	It("waits for a missing ApiGateway, and proceeds when it appears and is Ready", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("early", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		pub.Spec.GatewayRef.Name = "later"
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonGatewayNotFound, 20*time.Second)
		Expect(findReady(pub).Message).To(ContainSubstring("ApiGateway later does not exist"))

		later := g.gw.DeepCopy()
		later.ObjectMeta = metav1.ObjectMeta{Namespace: g.ns, Name: "later"}
		later.Status = v1alpha1.ApiGatewayStatus{}
		Expect(k8sClient.Create(ctx, later)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second) // the ApiGateway watch, not the 1m requeue
	})

	It("keeps an object whose gateway is gone until deletionPolicy Retain releases it", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("orphan", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(k8sClient.Delete(ctx, g.gw)).To(Succeed())
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		Eventually(func(g2 Gomega) {
			c := readyOf(g2, pub, func() []metav1.Condition { return pub.Status.Conditions })
			g2.Expect(c.Reason).To(Equal(v1alpha1.ReasonGatewayNotFound))
			g2.Expect(c.Message).To(ContainSubstring("set spec.deletionPolicy to Retain"))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		Expect(pub.Finalizers).To(ContainElement(v1alpha1.Finalizer))

		pub.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
		Expect(k8sClient.Update(ctx, pub)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty(), "Retain left the gateway as it was")
	})

	It("holds the deletion of a never-published object while its ApiGateway is not Ready, and releases it once the ApiGateway is gone", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		Expect(k8sClient.Delete(ctx, newSecret(g.ns, "creds", nil))).To(Succeed())
		Eventually(func(g2 Gomega) {
			c := readyOf(g2, g.gw, func() []metav1.Condition { return g.gw.Status.Conditions })
			g2.Expect(c.Reason).To(Equal(v1alpha1.ReasonSecretNotFound))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		pub := g.publication("unready", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonGatewayNotReady, 20*time.Second)
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		held := func(g2 Gomega) {
			c := readyOf(g2, pub, func() []metav1.Condition { return pub.Status.Conditions })
			g2.Expect(pub.Finalizers).To(ContainElement(v1alpha1.Finalizer))
			g2.Expect(c.Reason).To(Equal(v1alpha1.ReasonGatewayNotReady))
			g2.Expect(c.Message).To(ContainSubstring("set spec.deletionPolicy to Retain"))
		}
		Eventually(held).WithTimeout(20 * time.Second).Should(Succeed())
		Consistently(held).WithTimeout(3 * time.Second).Should(Succeed())

		Expect(k8sClient.Delete(ctx, g.gw)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
			WithTimeout(70 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.sim.Stats().Writes).To(BeZero())
	})

	It("keeps an object whose gateway cannot be reached until deletionPolicy Retain releases it, without a gateway write", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("unreachable", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)

		By("dropping the connection of every offline call: the ApiGateway stays Ready, its probe still answers")
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: "BatchPublishOrOfflineApiV2", Drop: true})).To(Succeed())
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		Eventually(func(g2 Gomega) {
			c := readyOf(g2, pub, func() []metav1.Condition { return pub.Status.Conditions })
			g2.Expect(c.Reason).To(Equal(v1alpha1.ReasonGatewayUnreachable), c.Message)
			g2.Expect(c.Message).To(And(ContainSubstring("the gateway cannot be reached"),
				ContainSubstring("set spec.deletionPolicy to Retain")))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(pub.Finalizers).To(ContainElement(v1alpha1.Finalizer))
		Expect(g.calls("BatchPublishOrOfflineApiV2", "0")).To(BeNumerically(">", 0), "no offline call was tried")
		Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty())

		By("setting deletionPolicy Retain, which releases the object without a gateway call")
		writes := g.sim.Stats().Writes
		before := pub.DeepCopy()
		pub.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
		Expect(k8sClient.Patch(ctx, pub, client.MergeFrom(before))).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub) }).
			WithTimeout(20 * time.Second).Should(MatchError(ContainSubstring("not found")))
		Expect(g.sim.Stats().Writes).To(Equal(writes), "Retain made a gateway write")
		Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty(), "Retain left the gateway as it was")
	})

	It("is Stalled when the gateway refuses a publish (403), and recovers when the Secret is fixed", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil,
			func(s *gatewaysim.Seed) { s.ReadOnly = []string{simAK} }) // the access key may read, not publish
		pub := g.publication("forbidden", v1alpha1.ApiPublicationSpec{Environment: "RELEASE", APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed, 20*time.Second)
		Expect(findReady(pub).Message).To(ContainSubstring("APIG.1005"))
		Expect(kstatusOf(pub)).To(Equal(status.FailedStatus))

		By("switching the Secret to a token that may publish")
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: g.ns, Name: "creds"}, secret)).To(Succeed())
		secret.Data = nil
		secret.StringData = map[string]string{"token": simToken}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty())
	})

	It("stops, recovers and schedules an unpublish on DataArts (seed 003)", func() {
		cluster := &gatewaysim.SeedCluster{APIs: []gatewaysim.SeedDataAPI{{ID: "4704f5a0b6c24e0c9d8e7f6a5b4c3d21", Name: "sales_report",
			Path: "/reports/sales"}}}
		g := newSimGateway(v1alpha1.ProviderDataArts, gatewaysim.SeedInstance{}, cluster)
		clockMu.Lock()
		clockSim = g.sim
		clockMu.Unlock()
		DeferCleanup(func() { clockMu.Lock(); clockSim = nil; clockMu.Unlock() })
		dataStatus := func() string {
			return g.sim.State().Projects[simProject].DataArts[simCluster].APIs[0].Status
		}

		pub := g.publication("sales", v1alpha1.ApiPublicationSpec{APIs: []v1alpha1.PublishedApi{{Name: "sales_report"}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_PUBLISHED"))

		By("suspending: STOP is scheduled at least 48 hours ahead")
		setState(pub, v1alpha1.StateSuspended)
		ready(pub, metav1.ConditionUnknown, v1alpha1.ReasonWaitingForSchedule, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_WAITING_STOP"))
		at := pub.Status.APIs[0].ScheduledAt
		Expect(at).NotTo(BeNil())
		Expect(at.Sub(g.sim.Now())).To(BeNumerically(">=", 48*time.Hour))
		Expect(at.Minute()+at.Second()).To(Equal(0), "a whole hour")
		Expect(findReady(pub).Message).To(ContainSubstring(at.UTC().Format(time.RFC3339)))

		g.sim.AdvanceClock(50 * time.Hour)
		requestReconcile(pub, "after-stop")
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_STOPPED"))

		By("restoring: RECOVER")
		setState(pub, v1alpha1.StatePublished)
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_PUBLISHED"))

		By("taking offline: UNPUBLISH waits until its time")
		setState(pub, v1alpha1.StateOffline)
		ready(pub, metav1.ConditionUnknown, v1alpha1.ReasonWaitingForSchedule, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_WAITING_OFFLINE"))
		g.sim.AdvanceClock(50 * time.Hour)
		requestReconcile(pub, "after-unpublish")
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(dataStatus()).To(Equal("API_STATUS_OFFLINE"))
	})
})

func setState(pub *v1alpha1.ApiPublication, state v1alpha1.PublicationState) {
	GinkgoHelper()
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
	pub.Spec.State = state
	Expect(k8sClient.Update(ctx, pub)).To(Succeed())
}

func requestReconcile(pub *v1alpha1.ApiPublication, value string) {
	GinkgoHelper()
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
	if pub.Annotations == nil {
		pub.Annotations = map[string]string{}
	}
	pub.Annotations[v1alpha1.ReconcileRequestAnnotation] = value
	Expect(k8sClient.Update(ctx, pub)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
		g.Expect(pub.Status.LastHandledReconcileAt).To(Equal(value))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func findReady(pub *v1alpha1.ApiPublication) metav1.Condition {
	for _, c := range pub.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c
		}
	}
	return metav1.Condition{}
}
