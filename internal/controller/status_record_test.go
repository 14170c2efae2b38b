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
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
	"github.com/apig-operator/apig-operator/internal/gatewaysim"
)

// The record gives the status written back to a pass over any version from before the write,
// and lets go of it once a pass starts from another version.
func TestStatusWritesRestoreOnlyOverOlderVersions(t *testing.T) {
	var w statusWrites[v1alpha1.ApiPublicationStatus]
	written := &v1alpha1.ApiPublicationStatus{ObservedGeneration: 3}
	w.record("u1", []string{"10", "11"}, "12", written)

	for _, cached := range []string{"10", "11"} {
		got, older := w.restore("u1", cached)
		if got != written {
			t.Fatalf("a pass over version %s gets %v, want the status written", cached, got)
		}
		if !slices.Equal(older, []string{"10", "11", "12"}) {
			t.Fatalf("versions older than the next write: %v", older)
		}
	}
	if got, _ := w.restore("u2", "10"); got != nil {
		t.Fatalf("another object gets %v", got)
	}
	if got, _ := w.restore("u1", "12"); got != nil {
		t.Fatalf("the cache caught up, and the pass still gets %v", got)
	}
	if got, _ := w.restore("u1", "10"); got != nil || len(w.m) != 0 {
		t.Fatalf("the entry outlived the cache catching up: %v, %v", got, w.m)
	}

	w.record("u1", []string{"10"}, "12", written)
	if got, _ := w.restore("u1", "13"); got != nil || len(w.m) != 0 {
		t.Fatalf("someone else wrote version 13, and the pass still gets %v (%v)", got, w.m)
	}

	w.record("u1", []string{"10", "10", "11", "10", "12"}, "12", written)
	if got := w.m["u1"].older; !slices.Equal(got, []string{"11", "10"}) {
		t.Fatalf("versions kept: %v, want 11 and 10 once each, oldest first (12 is the write's own)", got)
	}

	many := make([]string, 20)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	w.record("u1", many, "z", written)
	if n := len(w.m["u1"].older); n != maxOlderVersions {
		t.Fatalf("%d versions kept, want at most %d", n, maxOlderVersions)
	}
	if got, _ := w.restore("u1", many[len(many)-1]); got != written {
		t.Fatal("the newest older version was not kept")
	}
	w.record("u1", []string{"10", "11"}, "12", written)
	w.seen("u1", "11")
	if got, _ := w.restore("u1", "10"); got != written {
		t.Fatal("the cache delivering a version from before the write dropped the entry")
	}
	w.seen("u1", "12")
	if len(w.m) != 0 {
		t.Fatalf("the cache delivered the write, and the entry stayed: %v", w.m)
	}
	w.record("u1", []string{"10"}, "12", written)
	w.seen("u1", "13")
	if len(w.m) != 0 {
		t.Fatalf("the cache delivered a later version, and the entry stayed: %v", w.m)
	}

	w.record("u1", []string{"10"}, "12", written)
	w.forget("u1")
	if len(w.m) != 0 {
		t.Fatalf("forget kept %v", w.m)
	}
}

// laggingReader serves one ApiPublication from a copy the test sets, as a cache that has not
// seen the latest writes would, and counts the status patches of that object.
type laggingReader struct {
	mu            sync.Mutex
	key           client.ObjectKey
	copy          *v1alpha1.ApiPublication
	statusPatches int
}

func (l *laggingReader) serve(p *v1alpha1.ApiPublication) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.copy = p.DeepCopy()
}

func (l *laggingReader) patches() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statusPatches
}

func (l *laggingReader) client() client.Client {
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return interceptor.NewClient(c, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if pub, ok := obj.(*v1alpha1.ApiPublication); ok && key == l.key {
				l.mu.Lock()
				defer l.mu.Unlock()
				l.copy.DeepCopyInto(pub)
				return nil
			}
			return c.Get(ctx, key, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch,
			opts ...client.SubResourcePatchOption) error {
			if client.ObjectKeyFromObject(obj) == l.key {
				l.mu.Lock()
				l.statusPatches++
				l.mu.Unlock()
			}
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
}

var _ = Describe("A pass over a cached copy older than its own status write", func() {
	It("starts from the status it wrote: no second write, the transition time kept", func() {
		g := newSimGateway(v1alpha1.ProviderAPIG, gatewaysim.SeedInstance{Groups: []gatewaysim.SeedGroup{{Name: "shop",
			APIs: []gatewaysim.SeedAPI{apiSeed(getUserID, "get_user")}}}}, nil)
		pub := g.publication("lagging-cache", v1alpha1.ApiPublicationSpec{Environment: "RELEASE",
			APIs: []v1alpha1.PublishedApi{{ID: getUserID}}})
		Expect(k8sClient.Create(ctx, pub)).To(Succeed())
		ready(pub, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, 20*time.Second)

		// The copy a lagging cache still shows: the hand-off's status, calls in flight. The
		// stored object is put back to it, so that the pass's write is a change.
		handOff := pub.DeepCopy()
		meta.SetStatusCondition(&handOff.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady,
			Status: metav1.ConditionUnknown, Reason: v1alpha1.ReasonPublishing, Message: "1 APIs in flight to the gateway",
			ObservedGeneration: handOff.Generation})
		meta.SetStatusCondition(&handOff.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReconciling,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonPublishing, ObservedGeneration: handOff.Generation})
		Expect(k8sClient.Status().Patch(ctx, handOff, client.MergeFrom(pub))).To(Succeed())
		stale := handOff.DeepCopy()
		lag := &laggingReader{key: client.ObjectKeyFromObject(pub)}
		lag.serve(stale)
		r := &ApiPublicationReconciler{Client: lag.client(), Connections: connector, Recorder: events.NewFakeRecorder(100),
			Now: func() time.Time { return simNow() }, claims: map[string][]v1alpha1.ApiPublication{}} // no cache to index
		for _, key := range claimKeys(pub) {
			r.claims[key] = []v1alpha1.ApiPublication{*pub}
		}
		pass := func() {
			GinkgoHelper()
			res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: lag.key})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.RequeueAfter).To(BeNumerically(">", 0))
		}

		pass()
		Expect(lag.patches()).To(Equal(1), "the pass over the stale copy writes Ready")
		Expect(k8sClient.Get(ctx, lag.key, pub)).To(Succeed())
		first := meta.FindStatusCondition(pub.Status.Conditions, v1alpha1.ConditionReady)
		Expect(first.Status).To(Equal(metav1.ConditionTrue))
		Expect(meta.FindStatusCondition(pub.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeNil())

		// Passes over the same stale copy: from before the write, they start from what was written.
		pass()
		pass()
		Expect(lag.patches()).To(Equal(1), "a pass over the stale copy wrote the status again")
		Expect(k8sClient.Get(ctx, lag.key, pub)).To(Succeed())
		Expect(meta.FindStatusCondition(pub.Status.Conditions, v1alpha1.ConditionReady).LastTransitionTime).
			To(Equal(first.LastTransitionTime))

		// The cache caught up: the record goes, and nothing is written.
		lag.serve(pub)
		pass()
		Expect(lag.patches()).To(Equal(1))
		Expect(r.statuses.m).To(BeEmpty())

		// Without the record, the stale copy is what the pass compares against: it writes.
		lag.serve(stale)
		pass()
		Expect(lag.patches()).To(Equal(2), "the stale copy of an unknown version is taken as it is")
	})
})
