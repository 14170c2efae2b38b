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

// A pass over a cached copy that lags behind the finalizer's patch patches nothing; a copy
// that moved on without the finalizer (someone removed it) gets it again.
func TestEnsureFinalizerTrustsItsOwnWriteOverALaggingCache(t *testing.T) {
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
	cached := &v1alpha1.ApiPublication{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(stored), cached); err != nil {
		t.Fatal(err)
	}
	var written finalizerWrites
	pass := func(copyOf *v1alpha1.ApiPublication) *v1alpha1.ApiPublication {
		t.Helper()
		obj := copyOf.DeepCopy()
		before, err := ensureFinalizer(ctx, c, &written, obj, obj.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) || !controllerutil.ContainsFinalizer(before, v1alpha1.Finalizer) {
			t.Fatalf("the pass goes on without the finalizer: %v / %v", obj.Finalizers, before.Finalizers)
		}
		return before
	}

	patched := pass(cached)
	if patches != 1 {
		t.Fatalf("first pass: %d patches, want 1", patches)
	}
	pass(cached) // the cache still shows the version the finalizer was added to
	if patches != 1 {
		t.Fatalf("a pass over the lagging copy patched again: %d patches", patches)
	}
	pass(patched) // the cache caught up
	if patches != 1 || len(written.from) != 0 {
		t.Fatalf("a copy with the finalizer: %d patches, %d kept", patches, len(written.from))
	}

	// Someone removes the finalizer: the cached copy moves on without it, and it is added back.
	removed := patched.DeepCopy()
	controllerutil.RemoveFinalizer(removed, v1alpha1.Finalizer)
	if err := c.Update(ctx, removed); err != nil {
		t.Fatal(err)
	}
	pass(patched) // the lagging copy still shows it: nothing to do
	pass(removed)
	if patches != 2 {
		t.Fatalf("a newer copy without the finalizer: %d patches, want 2", patches)
	}
	got := &v1alpha1.ApiPublication{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(stored), got); err != nil || !controllerutil.ContainsFinalizer(got, v1alpha1.Finalizer) {
		t.Fatalf("stored object %v, %v: want the finalizer back", got.Finalizers, err)
	}
}
