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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// A pass over a cached copy that lags behind the pass's own writes makes neither again: not
// the finalizer, not the same status. A copy that moved on gets what it lacks.
func TestOwnWritesOverALaggingCacheAreNotMadeAgain(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	stored := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "orders", UID: "u1"}}
	patches, statusPatches := 0, 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(stored).WithStatusSubresource(stored).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
				patches++
				return c.Patch(ctx, obj, p, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch,
				opts ...client.SubResourcePatchOption) error {
				statusPatches++
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}).Build()
	ctx := context.Background()
	get := func() *v1alpha1.ApiPublication {
		t.Helper()
		got := &v1alpha1.ApiPublication{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(stored), got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	var own ownWrites
	// pass runs what a pass writes over a cached copy: the finalizer, then the status.
	pass := func(cached *v1alpha1.ApiPublication, reason string) {
		t.Helper()
		obj := cached.DeepCopy()
		before, err := ensureFinalizer(ctx, c, &own, cached.ResourceVersion, obj, obj.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) || !controllerutil.ContainsFinalizer(before, v1alpha1.Finalizer) {
			t.Fatalf("the pass goes on without the finalizer: %v / %v", obj.Finalizers, before.Finalizers)
		}
		obj.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue,
			Reason: reason, LastTransitionTime: metav1.Unix(1, 0)}}
		if err := patchStatus(ctx, c, &own, cached.ResourceVersion, obj, before, obj.Status, before.Status); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, p, sp int) {
		t.Helper()
		if patches != p || statusPatches != sp {
			t.Fatalf("%s: %d metadata and %d status patches, want %d and %d", step, patches, statusPatches, p, sp)
		}
	}

	stale := get()
	pass(stale, "Succeeded")
	want("first pass", 1, 1)
	pass(stale, "Succeeded")
	want("a pass over the copy from before both writes", 1, 1)
	pass(stale, "PartialFailure")
	want("a new status over the same copy", 1, 2)
	caughtUp := get()
	pass(caughtUp, "PartialFailure")
	want("the cache caught up", 1, 2)
	if len(own.m) != 0 {
		t.Errorf("an entry is kept once the cache caught up: %v", own.m)
	}

	// Someone removes the finalizer: the cached copy moves on without it, and it is added back.
	removed := caughtUp.DeepCopy()
	controllerutil.RemoveFinalizer(removed, v1alpha1.Finalizer)
	if err := c.Update(ctx, removed); err != nil {
		t.Fatal(err)
	}
	pass(get(), "PartialFailure")
	want("a newer copy without the finalizer", 2, 2)
	if !controllerutil.ContainsFinalizer(get(), v1alpha1.Finalizer) {
		t.Fatal("the finalizer is not back")
	}
	own.forget(stored.UID)
	if len(own.m) != 0 {
		t.Errorf("forget kept %v", own.m)
	}
}
