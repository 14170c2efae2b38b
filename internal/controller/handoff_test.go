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
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gateway"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// eventCount counts the events with the reason about an object, an aggregated series as its
// count: a repeated event must show.
func eventCount(obj client.Object, reason string) int {
	GinkgoHelper()
	evs := &eventsv1.EventList{}
	Expect(k8sClient.List(ctx, evs, client.InNamespace(obj.GetNamespace()))).To(Succeed())
	n := 0
	for _, e := range evs.Items {
		if e.Reason != reason || e.Regarding.Name != obj.GetName() {
			continue
		}
		if e.Series != nil {
			n += int(e.Series.Count)
		} else {
			n++
		}
	}
	return n
}

var _ = Describe("A pass that hands calls to the gateway", func() {
	It("says so while they are in flight: Reconciling, Ready Unknown, the current generation", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: opBatch, Latency: "4s", Count: 1})).To(Succeed())
		pub := g.publication("in-flight", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())

		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
			c := findReady(pub)
			g.Expect(c.Status).To(Equal(metav1.ConditionUnknown))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonPublishing))
			g.Expect(c.Message).To(Equal("1 APIs in flight to the gateway"))
			g.Expect(conditionTrue(pub, v1alpha1.ConditionReconciling)).To(BeTrue())
			g.Expect(pub.Status.ObservedGeneration).To(Equal(pub.Generation))
		}).WithTimeout(4 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
		Expect(kstatusOf(pub)).To(Equal(status.InProgressStatus))

		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(conditionTrue(pub, v1alpha1.ConditionReconciling)).To(BeFalse())
		Expect(g.liveVersion("get_user", "RELEASE")).NotTo(BeEmpty())
	})

	It("reports a drift correction once, from the answer that landed, and never for a batch that failed", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("drift-once", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		drift := connector.Metrics.Drift.WithLabelValues(g.ns+"/gw", "RELEASE")
		before := testutilValue(drift)

		By("failing every batch call, then taking the API offline behind the operator's back")
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: opBatch, Status: 500, Code: "APIG.9999"})).To(Succeed())
		code, body := g.call("POST", "/apis/action", `{"action":"offline","api_id":"`+getUserID+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)
		Expect(code).To(Equal(201), body)
		interval := g.gw.Spec.ObserveInterval.Duration
		Eventually(func() int { return g.calls(opBatch, "500") }).WithTimeout(2*interval + 10*time.Second).Should(BeNumerically(">=", 2))
		Expect(eventCount(pub, "DriftCorrected")).To(BeZero(), "a batch that failed was reported as a correction")
		Expect(testutilValue(drift)).To(Equal(before))

		By("letting the batch calls through")
		g.sim.ClearFaults()
		Eventually(func() string { return g.liveVersion("get_user", "RELEASE") }).WithTimeout(20 * time.Second).ShouldNot(BeEmpty())
		Eventually(func() int { return eventCount(pub, "DriftCorrected") }).WithTimeout(10 * time.Second).Should(Equal(1))
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Consistently(func() int { return eventCount(pub, "DriftCorrected") }).WithTimeout(interval).Should(Equal(1))
		Expect(testutilValue(drift)).To(Equal(before + 1))
	})

	It("waits out a 429 without Retry-After within the pass: Ready, and never RateLimited on the way", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		Expect(g.sim.AddFault(gatewaysim.Fault{Operation: opListAPIs, Status: 429, Code: gateway.CodeThrottled,
			Count: gateway.ThrottleRetries})).To(Succeed())
		wc, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		w, err := wc.Watch(ctx, &v1alpha1.ApiPublicationList{}, client.InNamespace(g.ns))
		Expect(err).NotTo(HaveOccurred())
		defer w.Stop()
		var mu sync.Mutex
		var reasons []string
		go func() {
			for ev := range w.ResultChan() {
				if p, ok := ev.Object.(*v1alpha1.ApiPublication); ok {
					if c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionReady); c != nil {
						mu.Lock()
						reasons = append(reasons, c.Reason)
						mu.Unlock()
					}
				}
			}
		}()
		pub := g.publication("throttled-read", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())

		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 30*time.Second)
		Expect(g.sim.Stats().Operations[opListAPIs]).To(HaveKeyWithValue("429", gateway.ThrottleRetries))
		seen := func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(reasons)
		}
		// The watch delivers the status that Get already showed a moment later.
		Eventually(seen).WithTimeout(10 * time.Second).Should(ContainElement(v1alpha1.ReasonSucceeded))
		Expect(seen()).NotTo(ContainElement(v1alpha1.ReasonRateLimited))
	})

	DescribeTable("ends a bare 429 without an error code as RateLimited, and pauses the gateway",
		func(op string) {
			g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
				APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
			Expect(g.sim.AddFault(gatewaysim.Fault{Operation: op, Status: 429, Body: "Too Many Requests",
				ContentType: "text/plain", RetryAfter: 10})).To(Succeed())
			pub := g.publication("bare-429", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
				APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
			Expect(k8sClient.Create(ctx, pub)).To(Succeed())

			ready(pub, metav1.ConditionFalse, v1alpha1.ReasonRateLimited, 20*time.Second)
			Expect(findReady(pub).Message).To(ContainSubstring("calls to this gateway resume in 10s"))
			conn, ok := connector.Registry.Get(g.ns + "/gw")
			Expect(ok).To(BeTrue())
			Expect(conn.Gate.PausedUntil()).To(BeTemporally(">", time.Now()), "the gateway was not paused")

			By("answering properly again")
			g.sim.ClearFaults()
			ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 30*time.Second)
		},
		Entry("as a listing answer", opListAPIs),
		Entry("as a batch answer", opBatch),
	)
})
