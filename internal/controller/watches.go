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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/apig-operator/apig-operator/api/v1alpha1"
)

// Field indexes: how a change to one object reaches the objects that refer to it.
const (
	indexPublicationGateway = "spec.gatewayRef.name"
	// indexPublicationClaim has one key per API an object claims: "<gateway>/<api id>", from
	// the IDs in its spec and those its status resolved.
	indexPublicationClaim = "apiClaim"
	indexExportGateway    = "spec.gatewayRef.name"
	// indexExportTarget is "<kind>/<name>" of the target, so that any change to the object with
	// that name (ours, or one in the way that is then removed) brings the export back.
	indexExportTarget    = "spec.target"
	indexGatewaySecret   = "spec.credentialsRef.name"
	indexGatewayCABundle = "spec.tls.caBundleRef"
)

// requestsByIndex lists the objects of a kind in a namespace whose field index has value, as
// reconcile requests.
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

// specOrRequestChanged passes spec changes and new values of the requested-at annotation, and
// ignores our own status writes.
func specOrRequestChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// deletionStarted passes the update that sets deletionTimestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// readyChanged passes ApiGateway updates whose Ready condition changed status.
func readyChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		ready := func(o client.Object) metav1.ConditionStatus {
			gw, ok := o.(*v1alpha1.ApiGateway)
			if !ok {
				return ""
			}
			if c := meta.FindStatusCondition(gw.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				return c.Status
			}
			return ""
		}
		return ready(e.ObjectOld) != ready(e.ObjectNew)
	}}
}
