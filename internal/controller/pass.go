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
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
	"unique"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// The machinery every pass shares: the clock, requeue jitter, the retry limiter, the
// finalizer, and the one status patch at the end of a pass.

// jitter spreads requeues of many objects over a tenth of the interval, so that objects
// created together do not poll together forever. It neither overflows nor panics, whatever d.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + time.Duration(rand.Int64N(min(int64(d)/10, math.MaxInt64-int64(d))+1))
}

// Deadlines of one pass, so that no gateway (a black hole that accepts and never answers, a
// listing that never ends) holds a worker for long. Calls handed off to the batcher are not
// bound by them: their answer brings the object back.
const (
	probeDeadline = 20 * time.Second
	passDeadline  = 2 * time.Minute
)

// Workers of the ApiGateway and ApiExport controllers: enough that gateways that do not
// answer cannot keep the others waiting.
const (
	gatewayWorkers = 8
	exportWorkers  = 8
)

// Retries of one object after an error: 100ms, 200ms, 400ms ... up to 5 minutes.
const (
	retryBaseDelay = 100 * time.Millisecond
	retryMaxDelay  = 5 * time.Minute
)

// controllerOptions are the options of the three controllers. Their retry limiter is per
// object only: the default one also passes every retry through one bucket of 10 per second,
// so after a gateway outage the objects of a whole fleet came back at 10 a second, and its
// per-object delay grew to 16 minutes. Calls to a gateway are already paced by its Gate.
func controllerOptions(concurrency int) controller.Options {
	return controller.Options{
		MaxConcurrentReconciles: concurrency,
		RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](
			retryBaseDelay, retryMaxDelay),
	}
}

// clock is a replaceable clock; the zero value is the wall clock.
type clock func() time.Time

func (c clock) now() time.Time {
	if c != nil {
		return c()
	}
	return time.Now()
}

// ensureFinalizer adds the finalizer before any gateway call, so that nothing is published
// that a deletion would not take back. It returns the object as patched, the new "before".
// cached is the resourceVersion of the cached copy the pass started from.
func ensureFinalizer[T client.Object](ctx context.Context, c client.Client, added *finalizerWrites, cached string,
	obj, before T) (T, error) {
	landed := added.over(obj.GetUID(), cached) // also drops what was added over an older copy
	if controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return before, nil
	}
	controllerutil.AddFinalizer(obj, v1alpha1.Finalizer)
	if landed {
		// The patch landed; the cache does not show it yet.
		controllerutil.AddFinalizer(before, v1alpha1.Finalizer)
		return before, nil
	}
	if err := c.Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return before, fmt.Errorf("add finalizer: %w", err)
	}
	added.record(obj.GetUID(), cached)
	return obj.DeepCopyObject().(T), nil
}

// finalizerWrites are the finalizers a controller added that its cache does not show yet: the
// resourceVersion of the cached copy each was added over, by object. A loaded API server
// delivers watch events seconds, at 50,000 objects tens of seconds, after the writes: a pass
// over the copy from before its own patch would add the finalizer again, adding to the load
// that delays the cache. An object's entry goes once a pass starts from another version (the
// cache caught up, or someone else changed the object). The zero value is ready; nil records
// nothing.
type finalizerWrites struct {
	mu sync.Mutex
	m  map[types.UID]string
}

// over reports whether the finalizer was added over the cached version of the object; an
// entry for another version is dropped.
func (f *finalizerWrites) over(uid types.UID, cached string) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	version, ok := f.m[uid]
	if ok && version != cached {
		delete(f.m, uid)
	}
	return ok && version == cached
}

// record notes that the finalizer was added over the cached version of the object.
func (f *finalizerWrites) record(uid types.UID, cached string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[types.UID]string{}
	}
	f.m[uid] = cached
}

// forget drops the entry of an object that is gone.
func (f *finalizerWrites) forget(uid types.UID) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, uid)
}

// statusWrites are the statuses a controller wrote that its cache may not show yet. A loaded
// API server delivers watch events seconds, at 50,000 objects minutes, after the writes, and a
// pass over a copy from before its own write would compare against the old status: it would
// write again, with a new lastTransitionTime, and decide from what the gateway served before
// (the APIs status says were published). A pass that starts from a version this controller
// knows to be older than its last write takes the status written instead (restore); any other
// version (the cache caught up, or someone else wrote since) drops the entry. The zero value is
// ready; nil records nothing.
type statusWrites[S any] struct {
	mu sync.Mutex
	m  map[types.UID]statusWrite[S]
}

// statusWrite is the last status written to an object, the resourceVersion the write produced,
// and the versions from before it that a lagging cache may still show.
type statusWrite[S any] struct {
	status  *S
	written string
	older   []string
}

// maxOlderVersions bounds the versions kept per object: a cache that lags by more writes than
// this costs one redundant write, not memory.
const maxOlderVersions = 8

// restore returns the status last written when cached is a version from before that write,
// with the versions that are older than the next write; it drops the entry otherwise.
func (w *statusWrites[S]) restore(uid types.UID, cached string) (status *S, older []string) {
	if w == nil {
		return nil, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.m[uid]
	if !ok {
		return nil, nil
	}
	if cached == e.written || !slices.Contains(e.older, cached) {
		delete(w.m, uid)
		return nil, nil
	}
	return e.status, append(slices.Clip(e.older), e.written)
}

// record notes that status was written over the versions in older, producing written. The
// caller gives up status: it is kept as it is, and entries live as long as the cache lags (at
// 50,000 objects, minutes), so it should be a copy of the status alone.
func (w *statusWrites[S]) record(uid types.UID, older []string, written string, status *S) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[types.UID]statusWrite[S]{}
	}
	kept := make([]string, 0, min(len(older), maxOlderVersions))
	for i := len(older) - 1; i >= 0 && len(kept) < maxOlderVersions; i-- { // the newest, once each
		if v := older[i]; v != written && !slices.Contains(kept, v) {
			kept = append(kept, v)
		}
	}
	slices.Reverse(kept)
	w.m[uid] = statusWrite[S]{status: status, written: written, older: kept}
}

// seen drops the entry of an object once the cache delivers a version that is not from
// before the write: the write itself, or a later one. Entries then go when the cache catches
// up, not at the object's next pass an observe interval later.
func (w *statusWrites[S]) seen(uid types.UID, version string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if e, ok := w.m[uid]; ok && !slices.Contains(e.older, version) {
		delete(w.m, uid)
	}
}

// forget drops the entry of an object that is gone.
func (w *statusWrites[S]) forget(uid types.UID) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.m, uid)
}

// releaseFinalizer removes the finalizer: the object may be gone once this returns.
func releaseFinalizer[T client.Object](ctx context.Context, c client.Client, obj, before T) error {
	controllerutil.RemoveFinalizer(obj, v1alpha1.Finalizer)
	if err := c.Patch(ctx, obj, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// patchStatus writes the status of obj with a merge patch against before, and only when it
// changed: our own writes must not be the only thing a converged fleet does.
func patchStatus(ctx context.Context, c client.Client, obj, before client.Object, status, beforeStatus any) error {
	if equality.Semantic.DeepEqual(beforeStatus, status) {
		return nil
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("patch status: %w", err)
	}
	return nil
}

// lastApplied is kubectl's copy of the manifest last applied client-side: as large as the
// object's spec, and for a Secret its data.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// CacheTransform drops from every cached object what the controllers never read: its
// managedFields and kubectl's last-applied-configuration annotation. That is about half of a
// small object kept in memory, and the Secret data kubectl copies into the annotation of a
// Secret applied client-side. The controllers patch objects with the difference between two
// cached copies, so what is dropped here is never written back.
func CacheTransform(obj any) (any, error) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return obj, nil
	}
	o.SetManagedFields(nil)
	if anns := o.GetAnnotations(); anns != nil {
		if _, ok := anns[lastApplied]; ok {
			kept := make(map[string]string, len(anns)-1)
			for k, v := range anns {
				if k != lastApplied {
					kept[k] = v
				}
			}
			o.SetAnnotations(kept)
		}
	}
	if pub, ok := obj.(*v1alpha1.ApiPublication); ok {
		internPublication(pub)
	}
	return obj, nil
}

// internPublication makes the strings that ApiPublications repeat share one copy: thousands
// of objects name the same namespace, gateway, instance, environment and condition texts, and
// the decoder gives each its own.
func internPublication(p *v1alpha1.ApiPublication) {
	intern(&p.Namespace)
	for i := range p.Finalizers {
		intern(&p.Finalizers[i])
	}
	spec, st := &p.Spec, &p.Status
	intern(&spec.GatewayRef.Kind)
	intern(&spec.GatewayRef.Name)
	intern(&spec.Environment)
	intern(&spec.State)
	intern(&spec.DeletionPolicy)
	intern(&spec.Versioning)
	intern(&spec.ManagementPolicy)
	intern(&st.Instance)
	intern(&st.Gateway)
	intern(&st.EnvironmentID)
	for i := range st.APIs {
		intern(&st.APIs[i].State)
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		intern(&c.Type)
		intern(&c.Status)
		intern(&c.Reason)
		intern(&c.Message)
	}
}

// intern replaces *s with the canonical copy of its value.
func intern[S ~string](s *S) {
	if *s != "" {
		*s = S(unique.Make(string(*s)).Value())
	}
}
