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

// A pass over a cached copy that lags behind the finalizer's patch does not patch again; a
// copy that moved on without the finalizer (someone removed it) gets it back.
func TestEnsureFinalizerTrustsItsOwnPatchOverALaggingCache(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	stored := &v1alpha1.ApiPublication{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "orders", UID: "u1"}}
	patches := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(stored).WithInterceptorFuncs(interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			patches++
			return c.Patch(ctx, obj, p, opts...)
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
	var added finalizerWrites
	pass := func(cached *v1alpha1.ApiPublication, wantPatches int, step string) {
		t.Helper()
		obj := cached.DeepCopy()
		before, err := ensureFinalizer(ctx, c, &added, cached.ResourceVersion, obj, obj.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) || !controllerutil.ContainsFinalizer(before, v1alpha1.Finalizer) {
			t.Fatalf("%s: the pass goes on without the finalizer: %v / %v", step, obj.Finalizers, before.Finalizers)
		}
		if patches != wantPatches {
			t.Fatalf("%s: %d patches, want %d", step, patches, wantPatches)
		}
	}

	stale := get()
	pass(stale, 1, "first pass")
	pass(stale, 1, "a pass over the copy from before the patch")
	caughtUp := get()
	pass(caughtUp, 1, "the cache caught up")
	if len(added.m) != 0 {
		t.Errorf("an entry is kept once the cache caught up: %v", added.m)
	}

	removed := caughtUp.DeepCopy()
	controllerutil.RemoveFinalizer(removed, v1alpha1.Finalizer)
	if err := c.Update(ctx, removed); err != nil {
		t.Fatal(err)
	}
	pass(get(), 2, "a newer copy without the finalizer")
	if !controllerutil.ContainsFinalizer(get(), v1alpha1.Finalizer) {
		t.Fatal("the finalizer is not back")
	}
	added.forget(stored.UID)
	if len(added.m) != 0 {
		t.Errorf("forget kept %v", added.m)
	}
}
