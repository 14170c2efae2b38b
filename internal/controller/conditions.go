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
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// maxMessage bounds condition messages; the API allows 32768 characters, a reader far fewer.
const maxMessage = 2048

// verdict is what one pass concluded about an object. The *_status.go files turn a pass's
// outcome into a verdict, and applyVerdict is the one place that writes the three conditions.
type verdict struct {
	ready   metav1.ConditionStatus
	reason  string
	message string
	// reconciling: changes are in flight or scheduled, or the pass waits to try again.
	reconciling bool
	// stalled: no progress is possible without a change to the spec, the Secret or the gateway.
	stalled bool
}

// applyVerdict writes Ready (always), Reconciling and Stalled (only while True) as kstatus
// expects, each with the generation it was computed for.
func applyVerdict(conds *[]metav1.Condition, generation int64, v verdict) {
	msg := v.message
	if len(msg) > maxMessage {
		msg = msg[:maxMessage-3] + "..."
	}
	set := func(typ string, status metav1.ConditionStatus) {
		meta.SetStatusCondition(conds, metav1.Condition{
			Type: typ, Status: status, Reason: v.reason, Message: msg, ObservedGeneration: generation,
		})
	}
	set(v1alpha1.ConditionReady, v.ready)
	if v.reconciling {
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionReconciling)
	}
	if v.stalled {
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionStalled)
	}
}

// jitter spreads requeues of many objects over a tenth of the interval, so that objects
// created together do not poll together forever.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

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

// requestsByIndex lists the objects of a kind in a namespace whose field index has value, as
// reconcile requests: how a change to one object reaches the objects that refer to it.
func requestsByIndex(ctx context.Context, c client.Reader, list client.ObjectList, namespace, field, value string) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{field: value}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the objects that refer to a changed object", "index", field, "value", value)
		return nil
	}
	var reqs []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		obj := o.(client.Object)
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}})
		return nil
	})
	return reqs
}
