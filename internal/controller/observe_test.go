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
	"fmt"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// actionsOf maps each API of status.apis and status.releasing with an action to it (and the
// target version, for a switch).
func actionsOf(pub *v1alpha1.ApiPublication) map[string]string {
	out := map[string]string{}
	for _, a := range pub.Status.APIs {
		if a.Action != "" {
			out[a.ID] = string(a.Action) + a.TargetVersionID
		}
	}
	for _, rel := range pub.Status.Releasing {
		if rel.Action != "" {
			out[rel.ID] = string(rel.Action)
		}
	}
	return out
}

// changed lists the simulator's calls that changed a publication since the first calls, as
// "action id" entries.
func (g *simGateway) changed(since int) []string {
	var out []string
	for _, c := range g.sim.Calls()[since:] {
		for _, id := range c.APIs {
			out = append(out, c.Action+" "+id)
		}
	}
	slices.Sort(out)
	return out
}

// readyCondition is pub's Ready condition as last read.
func readyCondition(pub *v1alpha1.ApiPublication) metav1.Condition {
	GinkgoHelper()
	c := meta.FindStatusCondition(pub.Status.Conditions, v1alpha1.ConditionReady)
	Expect(c).NotTo(BeNil())
	return *c
}

// seriesOf lists the series of a vector of object conditions (apig_objects,
// apig_object_not_ready) having every label of match, as "status reason value", sorted.
func seriesOf(c prometheus.Collector, match prometheus.Labels) []string {
	GinkgoHelper()
	ch := make(chan prometheus.Metric, 1000)
	c.Collect(ch)
	close(ch)
	var out []string
	for m := range ch {
		var d dto.Metric
		Expect(m.Write(&d)).To(Succeed())
		labels := map[string]string{}
		for _, l := range d.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		matches := true
		for name, value := range match {
			matches = matches && labels[name] == value
		}
		if matches {
			out = append(out, fmt.Sprintf("%s %s %v", labels["status"], labels["reason"], d.GetGauge().GetValue()))
		}
	}
	slices.Sort(out)
	return out
}

var _ = Describe("managementPolicy Observe", func() {
	published := func(versions ...string) gatewaysim.SeedPublication {
		return gatewaysim.SeedPublication{Environment: "RELEASE", Versions: versions}
	}
	seed := gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop", APIs: []gatewaysim.SeedAPI{
		apiSeed(hexID(1), "one"),                                    // not published
		apiSeed(hexID(2), "two", published(hexID(201), hexID(202))), // live 202, pinned to 201
		apiSeed(hexID(3), "three", published(hexID(301))),           // as declared, then removed
		apiSeed(hexID(4), "four", published(hexID(401))),            // taken offline behind its back
	}}}}

	It("reports what Manage would do without a write, counts it, and Manage then does exactly that", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, seed, nil)
		pub := g.publication("observe", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			ManagementPolicy: v1alpha1.ManagementPolicyObserve, APIs: []v1alpha1.PublishedApi{
				{ID: hexID(1)}, {ID: hexID(2), VersionID: hexID(201)}, {ID: hexID(3)}, {ID: hexID(4)}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionFalse, v1alpha1.ReasonOutOfSync, 20*time.Second)
		Expect(actionsOf(pub)).To(Equal(map[string]string{hexID(1): "Publish", hexID(2): "SwitchVersion" + hexID(201)}))
		Expect(pub.Status.Summary.OutOfSync).To(BeEquivalentTo(2))
		Expect(readyCondition(pub).Message).To(HavePrefix("would publish 1, switch 1"))
		Expect(conditionTrue(pub, v1alpha1.ConditionReconciling)).To(BeFalse())
		Expect(conditionTrue(pub, v1alpha1.ConditionStalled)).To(BeFalse())

		By("removing an API from the spec and taking another offline on the console")
		update(pub, func(p *v1alpha1.ApiPublication) { p.Spec.APIs = slices.Delete(p.Spec.APIs, 2, 3) })
		code, body := g.call("POST", "/apis/action", `{"action":"offline","api_id":"`+hexID(4)+`","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}`)
		Expect(code).To(BeNumerically("<", 300), body)
		writes := g.sim.Stats().Writes
		want := map[string]string{hexID(1): "Publish", hexID(2): "SwitchVersion" + hexID(201),
			hexID(3): "Release", hexID(4): "Publish"}
		Eventually(func(gm Gomega) {
			gm.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pub), pub)).To(Succeed())
			gm.Expect(actionsOf(pub)).To(Equal(want))
		}).WithTimeout(2 * g.gw.Spec.ObserveInterval.Duration).Should(Succeed())
		Expect(readyCondition(pub).Message).To(HavePrefix("would publish 2, switch 1, release"))
		// The series of the gateway and environment; it is deleted when nothing is out of sync.
		series := func() int { return testutil.CollectAndCount(connector.Metrics.OutOfSync) }
		gauge := func() float64 {
			return testutil.ToFloat64(connector.Metrics.OutOfSync.WithLabelValues(g.ns+"/gw", "RELEASE"))
		}
		Expect(gauge()).To(Equal(4.0))
		// The publication is the only one in g.ns: its bucket of apig_objects counts 1.
		notReady := func() []string {
			return seriesOf(connector.Metrics.NotReady, prometheus.Labels{
				"kind": v1alpha1.KindApiPublication, "object_namespace": g.ns, "object_name": "observe"})
		}
		objects := func() []string {
			return seriesOf(connector.Metrics.Objects, prometheus.Labels{"kind": v1alpha1.KindApiPublication, "object_namespace": g.ns})
		}
		Expect(notReady()).To(Equal([]string{"False " + v1alpha1.ReasonOutOfSync + " 1"}), "apig_object_not_ready")
		Expect(objects()).To(Equal([]string{"False " + v1alpha1.ReasonOutOfSync + " 1"}), "apig_objects")

		By("watching over two observe intervals: no write")
		Consistently(func() int { return g.sim.Stats().Writes }).
			WithTimeout(2 * g.gw.Spec.ObserveInterval.Duration).WithPolling(500 * time.Millisecond).Should(Equal(writes))

		By("switching to Manage")
		calls := len(g.sim.Calls())
		update(pub, func(p *v1alpha1.ApiPublication) { p.Spec.ManagementPolicy = v1alpha1.ManagementPolicyManage })
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 30*time.Second)
		Expect(g.changed(calls)).To(ConsistOf("online "+hexID(1), "switch "+hexID(2), "offline "+hexID(3), "online "+hexID(4)))
		Expect(actionsOf(pub)).To(BeEmpty())
		Expect(pub.Status.Summary.OutOfSync).To(BeZero())
		before := series()
		Expect(gauge()).To(BeZero())
		Expect(series()).To(Equal(before+1), "the series was still there")
		Expect(g.liveVersion("two", "RELEASE")).To(Equal(hexID(201)))
		Expect(notReady()).To(BeEmpty(), "a Ready object is not named")
		Expect(objects()).To(Equal([]string{"True " + v1alpha1.ReasonSucceeded + " 1"}), "the OutOfSync count, at 0, is deleted")
		Expect(k8sClient.Delete(ctx, pub)).To(Succeed())
		gone(pub)
		Eventually(func(gm Gomega) {
			gm.Expect(notReady()).To(BeEmpty())
			gm.Expect(objects()).To(BeEmpty())
		}).Should(Succeed(), "a deleted object is neither counted nor named")
	})

	It("never touches the gateway on deletion, and still holds its claim", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, seed, nil)
		observer := g.publication("observer", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			ManagementPolicy: v1alpha1.ManagementPolicyObserve, APIs: []v1alpha1.PublishedApi{{ID: hexID(3)}}})
		Expect(k8sClient.Create(ctx, observer)).To(Succeed())
		ready(observer, metav1.ConditionTrue, v1alpha1.ReasonInSync, 20*time.Second)
		laterSecond(observer)

		By("a newer object wanting the API offline is a conflict with the observer")
		other := g.otherNamespace()
		offline := other.publication("offline", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			State: v1alpha1.StateOffline, APIs: []v1alpha1.PublishedApi{{ID: hexID(3)}}})
		Expect(k8sClient.Create(ctx, offline)).To(Succeed())
		ready(offline, metav1.ConditionFalse, v1alpha1.ReasonConflict, 20*time.Second)
		Expect(readyCondition(offline).Message).To(ContainSubstring(g.ns + "/observer"))
		Expect(k8sClient.Delete(ctx, offline)).To(Succeed())
		gone(offline)

		By("a newer object wanting the same acts itself: an observer acts for nobody")
		calls := len(g.sim.Calls())
		same := g.publication("same", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: hexID(1)}, {ID: hexID(3)}}})
		Expect(k8sClient.Create(ctx, same)).To(Succeed())
		ready(same, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)
		Expect(g.changed(calls)).To(ConsistOf("online " + hexID(1)))
		Expect(k8sClient.Delete(ctx, same)).To(Succeed())
		gone(same)

		By("deleting the observer")
		writes := g.sim.Stats().Writes
		Expect(k8sClient.Delete(ctx, observer)).To(Succeed())
		gone(observer)
		Expect(g.sim.Stats().Writes).To(Equal(writes))
		Expect(g.liveVersion("three", "RELEASE")).To(Equal(hexID(301)))
	})
})
